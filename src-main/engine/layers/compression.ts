// Layer compression: what a blob is (from its magic bytes or its media type) and a stream
// that undoes it. gzip is Node's zlib; zstd is fzstd driven by a frame walker of our own
// (zstd-decompressor.ts), which bounds its memory and verifies checksums.
// Corrupt input surfaces as a stream error with code Z_DATA_ERROR, like zlib's.
import { PassThrough, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { ZstdDecompressor } from './zstd-decompressor';
import { ZSTD_MAGIC, isSkippableMagic } from './zstd-frame-walker';

export { MAX_ZSTD_WINDOW } from './zstd-frame-walker';

export type Compression = 'gzip' | 'zstd' | 'none';

/** From the first bytes of a blob (4 are enough). */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    const magic = head.readUInt32LE(0);
    if (magic === ZSTD_MAGIC || isSkippableMagic(magic)) return 'zstd';
  }
  return 'none';
}

/** A stream that decompresses `kind` (for 'none', passes bytes through). */
export function decompressor(kind: Compression): Transform {
  switch (kind) {
    case 'gzip':
      // Big output chunks: each chunk is a threadpool round trip; 16 KiB ones triple the time.
      // A deep output buffer lets inflate run ahead on the threadpool while the consumer
      // writes files synchronously on the main thread.
      // (zlib passes stream options through to its Transform; the typings leave them out.)
      return zlib.createGunzip({ chunkSize: 1 << 20, readableHighWaterMark: 8 << 20 } as zlib.ZlibOptions);
    case 'zstd':
      return new ZstdDecompressor();
    case 'none':
      return new PassThrough();
  }
}

const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const OCI_NONDISTRIBUTABLE = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
const DOCKER_FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar';

export function layerMediaType(kind: Compression, flavour: 'oci' | 'docker'): string {
  if (flavour === 'oci') return kind === 'none' ? OCI_LAYER : `${OCI_LAYER}+${kind}`;
  return kind === 'none' ? DOCKER_LAYER : `${DOCKER_LAYER}.${kind}`;
}

const LAYER_MEDIA_TYPES = new Map<string, Compression>();
for (const base of [OCI_LAYER, OCI_NONDISTRIBUTABLE]) {
  LAYER_MEDIA_TYPES.set(base, 'none').set(`${base}+gzip`, 'gzip').set(`${base}+zstd`, 'zstd');
}
for (const base of [DOCKER_LAYER, DOCKER_FOREIGN]) {
  LAYER_MEDIA_TYPES.set(base, 'none').set(`${base}.gzip`, 'gzip').set(`${base}.zstd`, 'zstd');
}

/** The compression a layer media type names (OCI, Docker, non-distributable); undefined for anything else. */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  return LAYER_MEDIA_TYPES.get(mediaType.trim().toLowerCase());
}
