// XXH64 (seed 0), streaming, in 32-bit halves: zstd's content checksum is its low 32 bits.
// fzstd does not verify it, so the zstd decompressor hashes what it outputs with this.

const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;
const P1L0 = P1L & 0xffff;
const P1L1 = P1L >>> 16;
const P2L0 = P2L & 0xffff;
const P2L1 = P2L >>> 16;

/** XXH64 with seed 0 over data given in any number of update() calls. */
export class Xxh64 {
  private readonly v = new Uint32Array(8); // four lanes, each (high, low)
  private readonly t = new Uint32Array(2); // scratch
  private readonly tail = new Uint8Array(32);
  private tailLength = 0;
  private total = 0;

  constructor() {
    const v = this.v;
    add64(v, 0, P1H, P1L, P2H, P2L); // seed + P1 + P2
    v[2] = P2H; // seed + P2
    v[3] = P2L;
    v[6] = ~P1H; // seed - P1
    v[7] = -P1L;
  }

  update(data: Uint8Array): void {
    let i = 0;
    this.total += data.length;
    if (this.tailLength > 0) {
      i = Math.min(32 - this.tailLength, data.length);
      this.tail.set(data.subarray(0, i), this.tailLength);
      this.tailLength += i;
      if (this.tailLength < 32) return;
      this.stripes(this.tail, 0, 32);
      this.tailLength = 0;
    }
    const end = i + ((data.length - i) & ~31);
    this.stripes(data, i, end);
    this.tail.set(data.subarray(end), 0);
    this.tailLength = data.length - end;
  }

  private stripes(d: Uint8Array, i: number, end: number): void {
    const v = this.v;
    for (; i < end; i += 32) {
      round(v, 0, v[0]!, v[1]!, read32(d, i + 4), read32(d, i));
      round(v, 2, v[2]!, v[3]!, read32(d, i + 12), read32(d, i + 8));
      round(v, 4, v[4]!, v[5]!, read32(d, i + 20), read32(d, i + 16));
      round(v, 6, v[6]!, v[7]!, read32(d, i + 28), read32(d, i + 24));
    }
  }

  /** The low 32 bits of the digest. */
  digest32(): number {
    const v = this.v;
    const t = this.t;
    if (this.total >= 32) {
      const r = new Uint32Array(8);
      rotl64(r, 0, v[0]!, v[1]!, 1);
      rotl64(r, 2, v[2]!, v[3]!, 7);
      rotl64(r, 4, v[4]!, v[5]!, 12);
      rotl64(r, 6, v[6]!, v[7]!, 18);
      add64(t, 0, r[0]!, r[1]!, r[2]!, r[3]!);
      add64(t, 0, t[0]!, t[1]!, r[4]!, r[5]!);
      add64(t, 0, t[0]!, t[1]!, r[6]!, r[7]!);
      for (let lane = 0; lane < 8; lane += 2) {
        round(r, 0, 0, 0, v[lane]!, v[lane + 1]!);
        mul64(t, 0, t[0]! ^ r[0]!, t[1]! ^ r[1]!, P1H, P1L);
        add64(t, 0, t[0]!, t[1]!, P4H, P4L);
      }
    } else {
      t[0] = P5H;
      t[1] = P5L;
    }
    add64(t, 0, t[0]!, t[1]!, Math.floor(this.total / 2 ** 32), this.total >>> 0);
    const d = this.tail;
    let i = 0;
    for (; i + 8 <= this.tailLength; i += 8) {
      const k = new Uint32Array(2);
      round(k, 0, 0, 0, read32(d, i + 4), read32(d, i));
      rotl64(t, 0, t[0]! ^ k[0]!, t[1]! ^ k[1]!, 27);
      mul64(t, 0, t[0]!, t[1]!, P1H, P1L);
      add64(t, 0, t[0]!, t[1]!, P4H, P4L);
    }
    if (i + 4 <= this.tailLength) {
      const k = new Uint32Array(2);
      mul64(k, 0, 0, read32(d, i), P1H, P1L);
      rotl64(t, 0, t[0]! ^ k[0]!, t[1]! ^ k[1]!, 23);
      mul64(t, 0, t[0]!, t[1]!, P2H, P2L);
      add64(t, 0, t[0]!, t[1]!, P3H, P3L);
      i += 4;
    }
    for (; i < this.tailLength; i++) {
      const k = new Uint32Array(2);
      mul64(k, 0, 0, d[i]!, P5H, P5L);
      rotl64(t, 0, t[0]! ^ k[0]!, t[1]! ^ k[1]!, 11);
      mul64(t, 0, t[0]!, t[1]!, P1H, P1L);
    }
    // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
    mul64(t, 0, t[0]!, t[1]! ^ (t[0]! >>> 1), P2H, P2L);
    mul64(t, 0, t[0]! ^ (t[0]! >>> 29), t[1]! ^ ((t[1]! >>> 29) | (t[0]! << 3)), P3H, P3L);
    return (t[1]! ^ t[0]!) >>> 0;
  }
}

/** a·b mod 2^64 into out[at], out[at+1] (high, low), with 16-bit pieces so nothing rounds. */
function mul64(out: Uint32Array, at: number, aH: number, aL: number, bH: number, bL: number): void {
  const a0 = aL & 0xffff;
  const a1 = aL >>> 16;
  const b0 = bL & 0xffff;
  const b1 = bL >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w = (t & 0xffff) + a0 * b1;
  out[at] = a1 * b1 + (t >>> 16) + (w >>> 16) + Math.imul(aH, bL) + Math.imul(aL, bH);
  out[at + 1] = Math.imul(aL, bL);
}

function add64(out: Uint32Array, at: number, aH: number, aL: number, bH: number, bL: number): void {
  const low = aL + bL;
  out[at] = aH + bH + (low > 0xffffffff ? 1 : 0);
  out[at + 1] = low;
}

function rotl64(out: Uint32Array, at: number, h: number, l: number, n: number): void {
  out[at] = (h << n) | (l >>> (32 - n)); // 0 < n < 32
  out[at + 1] = (l << n) | (h >>> (32 - n));
}

function read32(d: Uint8Array, i: number): number {
  return (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
}

/**
 * One XXH64 round into out[at..]: (acc + input·P2) rotated left 31, times P1. The hot
 * loop: mul64's arithmetic is written out here with the primes' 16-bit halves.
 */
function round(out: Uint32Array, at: number, accH: number, accL: number, inH: number, inL: number): void {
  let a0 = inL & 0xffff;
  let a1 = inL >>> 16;
  let t = a1 * P2L0 + ((a0 * P2L0) >>> 16);
  let w = (t & 0xffff) + a0 * P2L1;
  const productH = a1 * P2L1 + (t >>> 16) + (w >>> 16) + Math.imul(inH, P2L) + Math.imul(inL, P2H);
  const low = accL + (Math.imul(inL, P2L) >>> 0);
  const sumL = low >>> 0;
  const sumH = (accH + productH + (low > 0xffffffff ? 1 : 0)) >>> 0;
  const rH = (sumH << 31) | (sumL >>> 1);
  const rL = (sumL << 31) | (sumH >>> 1);
  a0 = rL & 0xffff;
  a1 = rL >>> 16;
  t = a1 * P1L0 + ((a0 * P1L0) >>> 16);
  w = (t & 0xffff) + a0 * P1L1;
  out[at] = a1 * P1L1 + (t >>> 16) + (w >>> 16) + Math.imul(rH, P1L) + Math.imul(rL, P1H);
  out[at + 1] = Math.imul(rL, P1L);
}
