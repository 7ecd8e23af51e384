// What a key does in an action menu (the "⋯" of a row or a header), as the WAI-ARIA menu
// button pattern has it: arrows move through the items and wrap, Home and End jump, a letter
// goes to the next item it starts, Escape closes and gives focus back to the button, Tab
// closes and lets focus move on. On the button itself: the arrows open the menu on the
// first or the last item (Enter and Space open it as a click does). Pure: the component
// moves the focus.

/** What follows a key press: focus item `focus`, close (and where focus goes), or nothing (the key is not the menu's). */
export type MenuMove = { focus: number } | { close: 'to-button' | 'let-go' } | undefined;

/** A key pressed while item `current` of `labels` has focus. */
export function menuKey(key: string, current: number, labels: readonly string[]): MenuMove {
  const count = labels.length;
  if (count === 0) return key === 'Escape' ? { close: 'to-button' } : undefined;
  switch (key) {
    case 'ArrowDown':
      return { focus: (current + 1) % count };
    case 'ArrowUp':
      return { focus: (current - 1 + count) % count };
    case 'Home':
    case 'PageUp':
      return { focus: 0 };
    case 'End':
    case 'PageDown':
      return { focus: count - 1 };
    case 'Escape':
      return { close: 'to-button' };
    case 'Tab':
      return { close: 'let-go' };
  }
  if (key.length !== 1 || key === ' ') return undefined;
  // Type-ahead: the next item after this one whose label starts with the letter.
  const letter = key.toLowerCase();
  for (let step = 1; step <= count; step++) {
    const i = (current + step) % count;
    if (labels[i]!.trim().toLowerCase().startsWith(letter)) return { focus: i };
  }
  return undefined;
}

/** A key pressed on the menu's button while the menu is closed: which item to open it on. */
export function buttonKey(key: string, count: number): number | undefined {
  if (count === 0) return undefined;
  if (key === 'ArrowDown') return 0;
  if (key === 'ArrowUp') return count - 1;
  return undefined;
}
