// Compression of layer blobs: detection by magic bytes, media types, and decompression of
// what the gzip and zstd tools write (multi-member, multi-frame, skippable frames, long
// windows), hand-built zstd frames, corrupt and hostile streams, and bounded memory.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Compression, MAX_ZSTD_WINDOW, compressionOfMediaType, decompressor, detectCompression, layerMediaType } from '../../../src-main/engine/layers/compression';
import { type TarEntry, readTar } from '../../../src-main/engine/layers/tar-reader';
import { tarArchive, tarEntry } from '../../helpers/tar-writer';

let work: string;
/** 3 MB that compresses somewhat: random stretches between repeated text. */
let data: Buffer;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-compression-'));
  const parts: Buffer[] = [];
  for (let i = 0; i < 48; i++) parts.push(randomBytes(32 << 10), Buffer.from(`line ${i} of something quite repetitive\n`.repeat(800)));
  data = Buffer.concat(parts);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function tool(command: string, args: string[], input: Buffer): Buffer {
  return execFileSync(command, args, { input, maxBuffer: 256 << 20 });
}

function chunks(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  return out;
}

/** Runs `input` through decompressor(kind) in chunks of `chunkSize`; resolves to the output. */
async function decompress(kind: Compression, input: Buffer, chunkSize = 64 << 10): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks(input, chunkSize)),
    decompressor(kind),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

async function failure(kind: Compression, input: Buffer, chunkSize?: number): Promise<Error & { code?: string }> {
  const error = await decompress(kind, input, chunkSize).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('the corrupt stream was accepted');
  return error;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('detectCompression', () => {
  it('tells gzip, zstd and plain data apart by their magic bytes', () => {
    expect(detectCompression(tool('gzip', ['-c'], data.subarray(0, 1000)))).toBe('gzip');
    expect(detectCompression(tool('zstd', ['-c', '-q'], data.subarray(0, 1000)))).toBe('zstd');
    expect(detectCompression(tarArchive([tarEntry({ name: 'a', content: 'a' })]))).toBe('none');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]))).toBe('zstd'); // a skippable frame first (pzstd)
    expect(detectCompression(Buffer.from([0x1f, 0x8b]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x1f]))).toBe('none');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f]))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });
});

describe('media types', () => {
  it('names layer media types for OCI and Docker', () => {
    expect(layerMediaType('none', 'oci')).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(layerMediaType('gzip', 'oci')).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(layerMediaType('zstd', 'oci')).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(layerMediaType('none', 'docker')).toBe('application/vnd.docker.image.rootfs.diff.tar');
    expect(layerMediaType('gzip', 'docker')).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect(layerMediaType('zstd', 'docker')).toBe('application/vnd.docker.image.rootfs.diff.tar.zstd');
  });

  it('reads the compression back from every layer media type, and nothing from others', () => {
    for (const kind of ['none', 'gzip', 'zstd'] as const) {
      for (const flavour of ['oci', 'docker'] as const) expect(compressionOfMediaType(layerMediaType(kind, flavour))).toBe(kind);
    }
    expect(compressionOfMediaType('application/vnd.oci.image.layer.nondistributable.v1.tar')).toBe('none');
    expect(compressionOfMediaType('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip')).toBe('gzip');
    expect(compressionOfMediaType('application/vnd.oci.image.layer.nondistributable.v1.tar+zstd')).toBe('zstd');
    expect(compressionOfMediaType('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip')).toBe('gzip');
    expect(compressionOfMediaType('application/vnd.docker.image.rootfs.foreign.diff.tar')).toBe('none');
    expect(compressionOfMediaType('application/vnd.oci.image.config.v1+json')).toBeUndefined();
    expect(compressionOfMediaType('application/vnd.oci.image.manifest.v1+json')).toBeUndefined();
    expect(compressionOfMediaType('application/vnd.oci.image.layer.v1.tar+bzip2')).toBeUndefined();
    expect(compressionOfMediaType('')).toBeUndefined();
  });
});

describe('decompressing what the tools write', () => {
  it('none passes bytes through', async () => {
    expect((await decompress('none', data, 1000)).equals(data)).toBe(true);
  });

  it('gzip, single and multi-member', async () => {
    const gz = tool('gzip', ['-c'], data);
    expect(sha256(await decompress('gzip', gz))).toBe(sha256(data));
    expect(sha256(await decompress('gzip', gz, 513))).toBe(sha256(data));
    const two = Buffer.concat([tool('gzip', ['-c'], Buffer.from('first ')), tool('gzip', ['-c', '-9'], Buffer.from('second'))]);
    expect((await decompress('gzip', two)).toString()).toBe('first second');
  });

  const zstdVariants: [string, string[]][] = [
    ['default (checksum, from stdin)', ['-q', '-c']],
    ['no checksum', ['-q', '-c', '--no-check']],
    ['level 19', ['-q', '-c', '-19']],
    ['a 128 MiB window (--long=27)', ['-q', '-c', '--long=27']],
    ['two threads', ['-q', '-c', '-T2', '-5']],
  ];
  for (const [what, args] of zstdVariants) {
    it(`zstd: ${what}`, async () => {
      const zst = tool('zstd', args, data);
      expect(detectCompression(zst)).toBe('zstd');
      expect(sha256(await decompress('zstd', zst))).toBe(sha256(data));
      expect(sha256(await decompress('zstd', zst, 4093))).toBe(sha256(data));
    });
  }

  it('zstd: frames of every small size pass their content checksum', async () => {
    for (const n of [...Array.from({ length: 70 }, (_, i) => i), 1000, 4097, 100_000]) {
      const input = data.subarray(1000, 1000 + n);
      const zst = tool('zstd', ['-q', '-c'], input);
      expect((await decompress('zstd', zst, 1 + (n % 13))).equals(input), `${n} bytes`).toBe(true);
    }
  });

  it('zstd: a file with its content size in the frame header (single segment), a byte at a time', async () => {
    const small = data.subarray(0, 100_000);
    const file = path.join(work, 'small.bin');
    fs.writeFileSync(file, small);
    const zst = execFileSync('zstd', ['-q', '-c', file]);
    expect(zst[4]! & 0x20).toBe(0x20); // Single_Segment_flag
    expect((await decompress('zstd', zst, 1)).equals(small)).toBe(true);
  });

  it('zstd: several frames, with skippable frames between and before them', async () => {
    const a = data.subarray(0, 1_000_000);
    const b = data.subarray(1_000_000);
    const skippable = (n: number, size: number): Buffer => {
      const frame = Buffer.alloc(8 + size, 0xaa);
      frame.writeUInt32LE(0x184d2a50 + n, 0);
      frame.writeUInt32LE(size, 4);
      return frame;
    };
    const multi = Buffer.concat([tool('zstd', ['-q', '-c'], a), tool('zstd', ['-q', '-c', '-9', '--no-check'], b)]);
    expect(sha256(await decompress('zstd', multi))).toBe(sha256(data));
    expect(sha256(await decompress('zstd', multi, 777))).toBe(sha256(data));
    const withSkippable = Buffer.concat([skippable(0, 12), tool('zstd', ['-q', '-c'], a), skippable(15, 0), skippable(3, 5000), tool('zstd', ['-q', '-c'], b)]);
    expect(sha256(await decompress('zstd', withSkippable, 1000))).toBe(sha256(data));
    expect(await decompress('zstd', skippable(1, 3))).toEqual(Buffer.alloc(0));
  });

  it('feeds the tar reader: a GNU tar archive through zstd', async () => {
    const dir = path.join(work, 'tree');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sub/data.bin'), data);
    fs.symlinkSync('sub/data.bin', path.join(dir, 'link'));
    const zst = execFileSync('sh', ['-c', `tar --format=pax --sort=name -C ${dir} -cf - . | zstd -q -c`], { maxBuffer: 64 << 20 });
    const entries: [TarEntry, string][] = [];
    let hash = createHash('sha256');
    await readTar(Readable.from(chunks(zst, 10_000)).pipe(decompressor(detectCompression(zst))), {
      entry(entry) {
        hash = createHash('sha256');
        entries.push([entry, '']);
      },
      data: (chunk) => void hash.update(chunk),
      entryEnd() {
        entries[entries.length - 1]![1] = hash.digest('hex');
      },
    });
    expect(entries.map(([e]) => [e.name, e.type])).toEqual([
      ['./', 'directory'],
      ['./link', 'symlink'],
      ['./sub/', 'directory'],
      ['./sub/data.bin', 'file'],
    ]);
    expect(entries[3]![1]).toBe(sha256(data));
  });
});

/** A zstd frame built by hand: magic, descriptor, header bytes, then blocks. */
function frame(descriptor: number, header: number[], ...blocks: Buffer[]): Buffer {
  const head = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, descriptor, ...header]);
  return Buffer.concat([head, ...blocks]);
}

/** A block: 3-byte header (last flag, type, size) and its body. */
function block(type: 'raw' | 'rle' | 'compressed' | 'reserved', size: number, body: Buffer, last = true): Buffer {
  const code = { raw: 0, rle: 1, compressed: 2, reserved: 3 }[type];
  const h = (size << 3) | (code << 1) | (last ? 1 : 0);
  return Buffer.concat([Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), body]);
}

describe('hand-built zstd frames', () => {
  it('raw and RLE blocks decode as the format says', async () => {
    const raw = frame(0x00, [0x00], block('raw', 5, Buffer.from('hello'), false), block('rle', 1000, Buffer.from('a')));
    expect((await decompress('zstd', raw)).toString()).toBe('hello' + 'a'.repeat(1000));
    const single = frame(0x20, [6], block('raw', 6, Buffer.from('single')));
    expect((await decompress('zstd', single, 1)).toString()).toBe('single');
  });

  it('refuses hostile headers before fzstd allocates anything', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['a 256 MiB window', frame(0x00, [18 << 3], block('raw', 1, Buffer.from('x'))), /window of 268435456 bytes is larger than the 134217728 allowed/],
      ['a 2 GiB single-segment frame', frame(0x80 | 0x20, [0, 0, 0, 0x80], block('raw', 1, Buffer.from('x'))), /window of 2147483648 bytes/],
      ['a block larger than its window', frame(0x00, [0x00], block('raw', 2000, Buffer.alloc(2000))), /block of 2000 bytes is larger than its frame allows \(1024\)/],
      ['an RLE block larger than 128 KiB', frame(0x00, [10 << 3], block('rle', 2_000_000, Buffer.from('z'))), /block of 2000000 bytes .*\(131072\)/],
      ['a reserved block type', frame(0x00, [0x00], block('reserved', 0, Buffer.alloc(0))), /reserved block type/],
      ['a reserved descriptor bit', frame(0x08, [0x00], block('raw', 0, Buffer.alloc(0))), /reserved bit/],
      ['a dictionary', frame(0x01, [0x00, 7], block('raw', 1, Buffer.from('x'))), /dictionary 7/],
    ];
    for (const [what, input, message] of cases) {
      const error = await failure('zstd', input);
      expect(error.message, what).toMatch(message);
      expect(error.code, what).toBe('Z_DATA_ERROR');
    }
    expect(MAX_ZSTD_WINDOW).toBe(128 << 20);
  });
});

describe('corrupt streams fail as stream errors', () => {
  it('zstd: truncated, trailing garbage, not zstd, empty', async () => {
    const zst = tool('zstd', ['-q', '-c'], data);
    expect((await failure('zstd', zst.subarray(0, zst.length >> 1))).message).toMatch(/truncated/);
    expect((await failure('zstd', zst.subarray(0, zst.length - 2))).message).toMatch(/truncated/);
    expect((await failure('zstd', Buffer.concat([zst, Buffer.from('trailing garbage')]))).message).toMatch(/not a zstd frame/);
    expect((await failure('zstd', data.subarray(0, 1000))).message).toMatch(/not a zstd frame/);
    expect((await failure('zstd', Buffer.alloc(0))).message).toMatch(/no zstd frame/);
  });

  it('zstd: damaged content fails its frame checksum', async () => {
    const text = Buffer.from('a rather compressible sentence, again and again. '.repeat(3000));
    const zst = tool('zstd', ['-q', '-c'], text);
    expect(zst[4]! & 0x04).toBe(0x04); // Content_Checksum_flag: the zstd tool writes one by default
    const literal = zst.indexOf('rather');
    expect(literal).toBeGreaterThan(0);
    const damaged = Buffer.from(zst);
    damaged[literal] = 'R'.charCodeAt(0); // still decodes, to the wrong bytes
    expect(() => execFileSync('zstd', ['-d', '-c'], { input: damaged, stdio: 'pipe' })).toThrow(); // the zstd tool refuses it too
    const error = await failure('zstd', damaged);
    expect(error.message).toMatch(/content checksum mismatch/);
    expect(error.code).toBe('Z_DATA_ERROR');
    const badChecksum = Buffer.from(zst);
    badChecksum[badChecksum.length - 1] = badChecksum[badChecksum.length - 1]! ^ 1;
    expect((await failure('zstd', badChecksum)).message).toMatch(/content checksum mismatch/);
    // Without a checksum the same damage cannot be seen: the frame decodes (as with the zstd tool).
    const unchecked = tool('zstd', ['-q', '-c', '--no-check'], text);
    const damagedUnchecked = Buffer.from(unchecked);
    damagedUnchecked[unchecked.indexOf('rather')] = 'R'.charCodeAt(0);
    expect((await decompress('zstd', damagedUnchecked)).toString()).toContain('a Rather');
  });

  it('zstd: fzstd errors inside a block become stream errors', async () => {
    // A compressed block whose literals section claims more bytes than the block holds.
    const bad = frame(0x00, [0x00], block('compressed', 4, Buffer.from([0x0f, 0xff, 0xff, 0xff])));
    const error = await failure('zstd', bad);
    expect(error.message).toMatch(/^corrupt zstd stream: /);
    expect(error.code).toBe('Z_DATA_ERROR');
  });

  it('zstd: hundreds of random mutations all settle (error or end), none hangs or throws out of the stream', async () => {
    const zst = tool('zstd', ['-q', '-c', '-3'], Buffer.from(data.subarray(0, 40_000).toString('base64')));
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let errors = 0;
    let ended = 0;
    for (let run = 0; run < 300; run++) {
      const mutated = Buffer.from(zst);
      for (let k = 0; k <= random(3); k++) mutated[random(mutated.length)] = random(256);
      const settled = await Promise.race([
        decompress('zstd', mutated, 1 + random(5000)).then(
          () => 'ended',
          () => 'error',
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
      ]);
      expect(settled, `mutation run ${run}`).not.toBe('hung');
      if (settled === 'error') errors++;
      else ended++;
    }
    expect(errors + ended).toBe(300);
    expect(errors).toBeGreaterThan(100);
  });

  it('gzip: truncated, damaged, not gzip', async () => {
    const gz = tool('gzip', ['-c'], data);
    expect((await failure('gzip', gz.subarray(0, gz.length >> 1))).code).toMatch(/^Z_/);
    const damaged = Buffer.from(gz);
    damaged[gz.length >> 1] = damaged[gz.length >> 1]! ^ 0xff;
    expect((await failure('gzip', damaged)).code).toMatch(/^Z_/);
    expect((await failure('gzip', data.subarray(0, 1000))).code).toMatch(/^Z_/);
  });
});

describe('memory stays bounded', () => {
  it('zstd never stalls, whatever the chunk sizes and however the reader reads', async () => {
    const zst = tool('zstd', ['-q', '-c'], data);
    const bomb = tool('zstd', ['-q', '-c'], Buffer.alloc(16 << 20, 'z'));
    const readers: Record<string, (stream: NodeJS.ReadableStream) => Promise<Buffer>> = {
      'async iteration': async (stream) => {
        const out: Buffer[] = [];
        for await (const chunk of stream as AsyncIterable<Buffer>) out.push(chunk);
        return Buffer.concat(out);
      },
      'a slow writable': async (stream) => {
        const out: Buffer[] = [];
        const slow = new Writable({
          highWaterMark: 1,
          write(chunk: Buffer, _encoding, done) {
            out.push(chunk);
            setImmediate(done);
          },
        });
        await pipeline(stream, slow);
        return Buffer.concat(out);
      },
      'data events with pauses': (stream) =>
        new Promise((resolve, reject) => {
          const out: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => {
            out.push(chunk);
            stream.pause();
            setTimeout(() => stream.resume(), 0);
          });
          stream.on('end', () => resolve(Buffer.concat(out)));
          stream.on('error', reject);
        }),
    };
    for (const [how, read] of Object.entries(readers)) {
      for (const [input, expected] of [
        [zst, data],
        [bomb, Buffer.alloc(16 << 20, 'z')],
      ] as const) {
        for (const size of [1000, 10_000, 1 << 20]) {
          const stream = Readable.from(chunks(input, size)).pipe(decompressor('zstd'));
          const out = await Promise.race([read(stream), new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), 20_000))]);
          expect(out === 'stalled' ? out : sha256(out), `${how}, ${size}-byte chunks`).toBe(sha256(expected));
        }
      }
    }
  });

  it('zstd output waits for a slow reader instead of piling up', async () => {
    const size = 64 << 20;
    const zst = tool('zstd', ['-q', '-c', '-1'], Buffer.alloc(size));
    expect(zst.length).toBeLessThan(64 << 10); // a 1000:1 bomb
    const stream = decompressor('zstd');
    stream.write(zst);
    stream.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.readableLength).toBeGreaterThan(0);
    expect(stream.readableLength).toBeLessThan(4 << 20); // not 64 MiB
    let total = 0;
    let nonZero = false;
    let peak = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      peak = Math.max(peak, stream.readableLength);
      if (!nonZero && chunk.some((b) => b !== 0)) nonZero = true;
    }
    expect(total).toBe(size);
    expect(nonZero).toBe(false);
    expect(peak).toBeLessThan(4 << 20);
  });
});
