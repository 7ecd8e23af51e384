// The action menu's keys (src-renderer/src/lib/menu-keys.ts): arrows wrap, Home/End jump, a
// letter finds the next item it starts, Escape closes back to the button, Tab lets go; on
// the closed menu's button the arrows open it on the first or last item.
import { describe, expect, it } from 'vitest';
import { buttonKey, menuKey } from '../../../src-renderer/src/lib/menu-keys';

const ITEMS = ['Restart', 'Pause', 'Kill…', 'Remove…'];

describe('menuKey', () => {
  it('moves down and up, wrapping at both ends', () => {
    expect(menuKey('ArrowDown', 0, ITEMS)).toEqual({ focus: 1 });
    expect(menuKey('ArrowDown', 3, ITEMS)).toEqual({ focus: 0 });
    expect(menuKey('ArrowUp', 2, ITEMS)).toEqual({ focus: 1 });
    expect(menuKey('ArrowUp', 0, ITEMS)).toEqual({ focus: 3 });
  });

  it('jumps to the first and the last item', () => {
    expect(menuKey('Home', 2, ITEMS)).toEqual({ focus: 0 });
    expect(menuKey('End', 0, ITEMS)).toEqual({ focus: 3 });
    expect(menuKey('PageUp', 3, ITEMS)).toEqual({ focus: 0 });
    expect(menuKey('PageDown', 1, ITEMS)).toEqual({ focus: 3 });
  });

  it('closes on Escape with focus back on the button, and on Tab letting focus move on', () => {
    expect(menuKey('Escape', 1, ITEMS)).toEqual({ close: 'to-button' });
    expect(menuKey('Tab', 1, ITEMS)).toEqual({ close: 'let-go' });
    expect(menuKey('Escape', 0, [])).toEqual({ close: 'to-button' });
  });

  it('goes to the next item a typed letter starts, after the current one, in any case', () => {
    expect(menuKey('r', 0, ITEMS)).toEqual({ focus: 3 }); // Restart has focus: the next R is Remove…
    expect(menuKey('R', 3, ITEMS)).toEqual({ focus: 0 }); // and round again
    expect(menuKey('k', 0, ITEMS)).toEqual({ focus: 2 });
    expect(menuKey('p', 1, ITEMS)).toEqual({ focus: 1 }); // the only P: stays
    expect(menuKey('x', 0, ITEMS)).toBeUndefined();
  });

  it('leaves the keys that are not the menu\'s to the item (Enter and Space press it)', () => {
    for (const key of ['Enter', ' ', 'ArrowLeft', 'ArrowRight', 'Shift', 'F5']) expect(menuKey(key, 0, ITEMS), key).toBeUndefined();
    expect(menuKey('ArrowDown', 0, [])).toBeUndefined();
  });
});

describe('buttonKey', () => {
  it('opens on the first item with ArrowDown and on the last with ArrowUp', () => {
    expect(buttonKey('ArrowDown', 4)).toBe(0);
    expect(buttonKey('ArrowUp', 4)).toBe(3);
  });

  it('leaves Enter and Space to the click, and an empty menu shut', () => {
    expect(buttonKey('Enter', 4)).toBeUndefined();
    expect(buttonKey(' ', 4)).toBeUndefined();
    expect(buttonKey('ArrowDown', 0)).toBeUndefined();
  });
});
