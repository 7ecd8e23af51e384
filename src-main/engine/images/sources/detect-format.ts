// Which import format a path is: a directory with oci-layout is `oci`; a tar is an
// image archive (oci-archive or docker-archive: told apart once staged, as Docker ≥ 25
// writes both layouts in one tar) when its first entries look like one, else a rootfs.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { decompressor } from '../../layers/compression';
import { compressionOfFile } from '../../layers/file-compression';
import { normalizeEntryName } from '../../layers/safe-path';
import { TarReader } from '../../layers/tar-reader';

const PEEK_ENTRIES = 8;
const PEEK_BYTES = 4 << 20;

export type DetectedFormat = 'oci' | 'archive' | 'rootfs';

export async function detectImportFormat(file: string): Promise<DetectedFormat> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new StrataError('NOT_FOUND', `${file}: no such file or directory`);
  }
  if (stat.isDirectory()) {
    if (fs.existsSync(`${file}/oci-layout`)) return 'oci';
    throw new StrataError('INVALID_ARGUMENT', `${file}: a directory to import must be an OCI image layout (it has no oci-layout file)`);
  }
  const names = await firstEntryNames(file);
  const archiveName = /^(oci-layout|index\.json|manifest\.json|repositories|blobs(\/.*)?|[a-f0-9]{64}(\.json|\/.*)?)$/;
  if (names.some((name) => archiveName.test(name))) return 'archive';
  return 'rootfs';
}

/** Names of the first few entries, reading as little of the tar as that takes. */
async function firstEntryNames(file: string): Promise<string[]> {
  const names: string[] = [];
  const reader = new TarReader({
    entry(entry) {
      const name = normalizeEntryName(entry.name, 'archive entry');
      if (name !== '') names.push(name);
    },
    data() {},
    entryEnd() {},
  });
  const stream = fs.createReadStream(file, { highWaterMark: 64 << 10 }).pipe(decompressor(compressionOfFile(file)));
  let seen = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      reader.write(chunk);
      seen += chunk.length;
      if (names.length >= PEEK_ENTRIES || seen >= PEEK_BYTES) break;
    }
  } catch (error) {
    throw new StrataError('INVALID_ARCHIVE', `${file}: not a readable tar archive: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
  return names;
}
