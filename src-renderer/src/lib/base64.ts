// Bytes ↔ base64 for the terminal: the API carries a terminal's bytes as base64 text (JSON
// has no bytes), and the window has no Buffer. Pure, so the store tests run it in Node too.

/** Bytes per String.fromCharCode call: its arguments go on the stack. */
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** Throws (a DOMException) on text that is not base64: the engine only sends base64. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const encoder = new TextEncoder();

/**
 * What the user typed or pasted (xterm gives text), as UTF-8 base64 pieces of at most `max`
 * bytes each — a large paste goes in several inputs. A piece may end inside a character:
 * the terminal gets the bytes in order, so it comes whole.
 */
export function textToBase64Pieces(text: string, max: number): string[] {
  const bytes = encoder.encode(text);
  const pieces: string[] = [];
  for (let i = 0; i < bytes.length; i += max) pieces.push(bytesToBase64(bytes.subarray(i, i + max)));
  return pieces;
}
