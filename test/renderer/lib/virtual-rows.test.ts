// The layer list's windowing (src-renderer/src/lib/virtual-rows.ts): which of many rows are
// made for a scroll position, where the scroll goes to show a row, and where a key moves.
import { describe, expect, it } from 'vitest';
import { rowForKey, rowWindow, scrollToShow } from '../../../src-renderer/src/lib/virtual-rows';

describe('rowWindow', () => {
  it('makes the rows in view and a few around them, for 101 rows of 54 px in 600 px', () => {
    expect(rowWindow(101, 54, 0, 600)).toEqual({ first: 0, end: 16, offset: 0, height: 5454 });
    // Scrolled to row 50: rows 46 to 65 (12 in view, 4 more each side).
    expect(rowWindow(101, 54, 50 * 54, 600)).toEqual({ first: 46, end: 66, offset: 46 * 54, height: 5454 });
    // At the end, nothing past the last row.
    expect(rowWindow(101, 54, 5454 - 600, 600)).toMatchObject({ first: 85, end: 101 });
  });

  it('keeps a window when scrolled past the end (a shrinking list) or before it measured', () => {
    expect(rowWindow(101, 54, 99_999, 600)).toMatchObject({ first: 85, end: 101 });
    expect(rowWindow(101, 54, 0, 0)).toEqual({ first: 0, end: 4, offset: 0, height: 5454 });
    expect(rowWindow(0, 54, 0, 600)).toEqual({ first: 0, end: 0, offset: 0, height: 0 });
    expect(rowWindow(3, 54, 0, 600)).toMatchObject({ first: 0, end: 3 });
  });

  it('makes few rows, however long the list', () => {
    const { first, end } = rowWindow(100_000, 54, 2_000_000, 1080);
    expect(end - first).toBeLessThan(30);
  });
});

describe('scrollToShow', () => {
  it('moves as little as it can to show a row whole, and not at all when it shows already', () => {
    expect(scrollToShow(5, 54, 0, 600)).toBe(0);
    expect(scrollToShow(57, 54, 0, 600)).toBe(58 * 54 - 600); // its bottom at the viewport's
    expect(scrollToShow(3, 54, 57 * 54, 600)).toBe(3 * 54); // its top at the viewport's
    expect(scrollToShow(11, 54, 0, 600)).toBe(12 * 54 - 600); // only partly in view
  });
});

describe('rowForKey', () => {
  it('moves by one, by a page, to either end, and stops at the ends', () => {
    expect(rowForKey('ArrowDown', 3, 101, 10)).toBe(4);
    expect(rowForKey('ArrowUp', 3, 101, 10)).toBe(2);
    expect(rowForKey('ArrowUp', 0, 101, 10)).toBe(0);
    expect(rowForKey('ArrowDown', 100, 101, 10)).toBe(100);
    expect(rowForKey('PageDown', 95, 101, 10)).toBe(100);
    expect(rowForKey('PageUp', 57, 101, 10)).toBe(47);
    expect(rowForKey('Home', 57, 101, 10)).toBe(0);
    expect(rowForKey('End', 0, 101, 10)).toBe(100);
  });

  it('leaves other keys, and an empty list, alone', () => {
    expect(rowForKey('a', 3, 101, 10)).toBeUndefined();
    expect(rowForKey('ArrowDown', 0, 0, 10)).toBeUndefined();
  });
});
