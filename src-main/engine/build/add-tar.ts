// ADD of a local tar archive (plain, gzip or zstd) unpacks it, as Docker does; any other file
// is copied as it is. Whether a file is a tar is decided from its content, not its name: the
// first 512 bytes, decompressed, must be a tar header with a valid checksum.
//
// Unpacking goes through the layer writer into an empty directory of the build (the same
// security boundary as every layer: no entry lands outside it, whatever `..` or symlinks
// the archive holds); copy-step.ts then copies the result into the image. xz and bzip2
// archives are not recognised and are copied as files.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { decompressor } from '../layers/compression';
import { compressionOfFile } from '../layers/file-compression';
import { ingestLayer } from '../layers/ingest';
import { BLOCK, checksumMatches, isZeroBlock } from '../layers/tar-header';
import { enginePrivilege } from '../rootless/privilege';

/** Does `file` hold a tar archive (after decompression)? */
export async function isTarArchive(file: string): Promise<boolean> {
  const head: Buffer[] = [];
  let have = 0;
  const enough = new Error('enough');
  try {
    await pipeline(
      fs.createReadStream(file, { highWaterMark: 64 << 10 }),
      decompressor(compressionOfFile(file)),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          head.push(chunk);
          have += chunk.length;
          // Stop reading once a header block is in: the rest of the file does not matter.
          done(have >= BLOCK ? enough : null);
        },
      }),
    );
  } catch (error) {
    if (error !== enough) return false; // not decompressible: not an archive we unpack
  }
  const block = Buffer.concat(head).subarray(0, BLOCK);
  return block.length === BLOCK && !isZeroBlock(block) && checksumMatches(block);
}

/** Unpacks the archive into `dest`, an empty directory of the build; owners kept (as root, and rootless within its id maps). */
export async function unpackTar(file: string, dest: string, signal?: AbortSignal): Promise<void> {
  await ingestLayer({ file, unpackTo: { dest, privilege: enginePrivilege() }, ...(signal ? { signal } : {}) });
}
