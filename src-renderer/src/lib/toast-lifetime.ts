// How long a toast stays by itself. What worked goes after a few seconds; what offers an
// action (Undo) stays long enough to reach it; an error stays until it is dismissed — it
// may say what to do next. A toast under the pointer or the keyboard's focus is held: its
// time stops, and when let go it gets at least a moment more to be read.

export type ToastKind = 'success' | 'error' | 'info';

export const SUCCESS_MS = 4000;
/** With an action: time to read it and reach the button. */
export const ACTION_MS = 10_000;
/** Time left after a hold, at least: the toast does not vanish the instant the pointer leaves it. */
export const AFTER_HOLD_MS = 2000;

/** Milliseconds a toast stays by itself; undefined: until dismissed. */
export function toastLifetime(kind: ToastKind, hasAction: boolean): number | undefined {
  if (kind === 'error') return undefined;
  return hasAction ? ACTION_MS : SUCCESS_MS;
}

/** Of a toast that had `left` ms to live when it was held, what it has once let go. */
export function leftAfterHold(left: number): number {
  return Math.max(left, AFTER_HOLD_MS);
}
