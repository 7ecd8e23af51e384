// Detach keys (docker's `--detach-keys`, default ctrl-p,ctrl-q): a key sequence that leaves a
// terminal session without ending its process. Typed keys pass through a filter that holds
// back a prefix of the sequence until it is complete (detach) or broken (the held keys go on
// to the terminal, as typed).
import { StrataError } from '@shared/errors';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** `ctrl-p,ctrl-q` → bytes 0x10 0x11; a key is `ctrl-X` (X in a–z, @, [, \, ], ^, _) or one plain character. '' is none. */
export function parseDetachKeys(text: string): Buffer {
  if (text === '') return Buffer.alloc(0);
  const bytes = text.split(',').map((key) => {
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl) {
      const code = ctrl[1]!.toLowerCase().charCodeAt(0);
      if (code >= 0x61 && code <= 0x7a) return code - 0x60; // ctrl-a … ctrl-z
      const symbol = '@[\\]^_'.indexOf(ctrl[1]!);
      if (symbol >= 0) return symbol === 0 ? 0 : 0x1a + symbol; // ctrl-@ is NUL, ctrl-[ is ESC …
    } else if (key.length === 1 && key.charCodeAt(0) < 0x80) {
      return key.charCodeAt(0);
    }
    throw new StrataError('INVALID_ARGUMENT', `--detach-keys ${JSON.stringify(text)}: ${JSON.stringify(key)} is not a key (use ctrl-a … ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_ or one character, separated by commas)`);
  });
  return Buffer.from(bytes);
}

export class DetachKeyFilter {
  /** How many bytes of the sequence have been typed (and held back). */
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to send on for `typed`, and whether the sequence is now complete (the rest of `typed` is dropped). */
  feed(typed: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: typed, detach: false };
    const out: number[] = [];
    for (const byte of typed) {
      if (byte !== this.keys[this.held]) {
        // broken: the held keys were meant for the terminal after all
        out.push(...this.keys.subarray(0, this.held));
        this.held = 0;
        if (byte !== this.keys[0]) {
          out.push(byte);
          continue;
        }
      }
      this.held++;
      if (this.held === this.keys.length) {
        this.held = 0;
        return { forward: Buffer.from(out), detach: true };
      }
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
