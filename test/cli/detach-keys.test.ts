// Detach keys as docker reads them, and the filter that holds back a started sequence.
import { describe, expect, it } from 'vitest';
import { DetachKeyFilter, parseDetachKeys } from '../../src-main/cli/detach-keys';

describe('detach keys', () => {
  it('parses docker forms and refuses others', () => {
    expect([...parseDetachKeys('ctrl-p,ctrl-q')]).toEqual([0x10, 0x11]);
    expect([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,a,Z')]).toEqual([0, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x61, 0x5a]);
    expect(parseDetachKeys('').length).toBe(0);
    expect(() => parseDetachKeys('ctrl-1')).toThrow(/not a key/);
    expect(() => parseDetachKeys('ab')).toThrow(/not a key/);
  });

  it('holds a started sequence back: complete, it detaches; broken, the keys go on as typed', () => {
    const filter = new DetachKeyFilter(parseDetachKeys('ctrl-p,ctrl-q'));
    expect(filter.feed(Buffer.from('ab\x10'))).toEqual({ forward: Buffer.from('ab'), detach: false });
    expect(filter.feed(Buffer.from('\x11rest'))).toEqual({ forward: Buffer.alloc(0), detach: true });
    expect(filter.feed(Buffer.from('\x10x'))).toEqual({ forward: Buffer.from('\x10x'), detach: false });
    expect(filter.feed(Buffer.from('\x10\x10\x11'))).toEqual({ forward: Buffer.from('\x10'), detach: true });
    expect(new DetachKeyFilter(Buffer.alloc(0)).feed(Buffer.from('\x10\x11'))).toEqual({ forward: Buffer.from('\x10\x11'), detach: false });
  });
});
