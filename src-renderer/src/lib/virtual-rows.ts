// A long list of rows of one fixed height, of which only those in (or near) the viewport
// are made: which rows, and where the scroll must go for a row to be seen. Pure numbers,
// so the layer list of a 101-layer image keeps a dozen rows in the DOM.

export interface RowWindow {
  /** The first row to make, and one past the last. */
  first: number;
  end: number;
  /** Pixels from the list's top to the first row made. */
  offset: number;
  /** Pixels all rows take: the height the list scrolls over. */
  height: number;
}

/**
 * The rows to make for a viewport of `viewport` px scrolled `scrollTop` px down a list of
 * `count` rows of `rowHeight` px, with `overscan` more on each side so a fast scroll or a
 * key press finds its row made.
 */
export function rowWindow(count: number, rowHeight: number, scrollTop: number, viewport: number, overscan = 4): RowWindow {
  const height = count * rowHeight;
  const top = Math.max(0, Math.min(scrollTop, height - viewport));
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((top + Math.max(viewport, 0)) / rowHeight) + overscan);
  return { first, end: Math.max(first, end), offset: first * rowHeight, height };
}

/** The scrollTop that shows row `index` whole, moving as little as it can (unchanged when it is seen already). */
export function scrollToShow(index: number, rowHeight: number, scrollTop: number, viewport: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return Math.max(0, top + rowHeight - viewport);
  return scrollTop;
}

/** The row a key moves to from `from` in a list of `count` (`perPage` rows a page), or undefined for another key. */
export function rowForKey(key: string, from: number, count: number, perPage: number): number | undefined {
  const to = { ArrowDown: from + 1, ArrowUp: from - 1, PageDown: from + perPage, PageUp: from - perPage, Home: 0, End: count - 1 }[key];
  return to === undefined || count === 0 ? undefined : Math.max(0, Math.min(count - 1, to));
}
