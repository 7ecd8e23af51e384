// The compression of a file on disk, from its first bytes.
import fs from 'node:fs';
import { type Compression, detectCompression } from './compression';

export function compressionOfFile(file: string): Compression {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return detectCompression(head.subarray(0, fs.readSync(fd, head, 0, 4, 0)));
  } finally {
    fs.closeSync(fd);
  }
}
