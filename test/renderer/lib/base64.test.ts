// The terminal's bytes ↔ base64 helpers (src-renderer/src/lib/base64.ts): every byte value
// round-trips, large arrays (beyond one String.fromCharCode call) too, and typed text goes
// as UTF-8 in pieces no larger than asked whose bytes join back to the text.
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, textToBase64Pieces } from '../../../src-renderer/src/lib/base64';

// The plain way, one byte at a time: what the helpers must agree with.
const slowBase64 = (bytes: Uint8Array): string => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
const decode = (piece: string): Uint8Array => Uint8Array.from(atob(piece), (c) => c.charCodeAt(0));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('terminal base64', () => {
  it('round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToBase64(bytes)).toBe(slowBase64(bytes));
    expect(bytesToBase64(utf8('hi\n'))).toBe('aGkK');
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
  });

  it('handles arrays larger than one chunk, and nothing', () => {
    const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256);
    expect(bytesToBase64(bytes)).toBe(slowBase64(bytes));
    expect(bytesToBase64(new Uint8Array())).toBe('');
    expect(base64ToBytes('')).toEqual(new Uint8Array());
  });

  it('refuses text that is not base64', () => {
    expect(() => base64ToBytes('not base64!')).toThrow();
  });

  it('sends text as UTF-8 in pieces of at most the size asked', () => {
    expect(textToBase64Pieces('echo $((6*7))\r', 1024)).toEqual([slowBase64(utf8('echo $((6*7))\r'))]);
    const text = 'é'.repeat(10); // 20 bytes: pieces of 3 split characters, joined they are whole
    const pieces = textToBase64Pieces(text, 3);
    expect(pieces).toHaveLength(7);
    expect(pieces.every((piece) => decode(piece).length <= 3)).toBe(true);
    expect(new TextDecoder().decode(Uint8Array.from(pieces.flatMap((piece) => [...decode(piece)])))).toBe(text);
    expect(textToBase64Pieces('', 3)).toEqual([]);
  });
});
