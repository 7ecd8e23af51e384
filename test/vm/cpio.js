// A cpio archive in the "newc" format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII
// header of 13 eight-digit hex fields, the name and a NUL padded to 4 bytes, the data padded
// to 4 bytes; a "TRAILER!!!" entry ends it. Written here rather than with cpio(1), which CI's
// Debian does not install, and so that device nodes (/dev/console) need no mknod on the host.
import fs from 'node:fs';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(length) {
  return (4 - (length % 4)) % 4;
}

function header({ ino, mode, nlink, size, rdevMajor = 0, rdevMinor = 0, name }) {
  const fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdevMajor, rdevMinor, Buffer.byteLength(name) + 1, 0];
  const text = '070701' + fields.map((n) => n.toString(16).padStart(8, '0')).join('');
  const head = Buffer.from(text + name + '\0');
  return Buffer.concat([head, Buffer.alloc(pad4(head.length))]);
}

/** Writes entries to `file` as they are added; directories are not implied: add them first. */
export class CpioWriter {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.ino = 1;
    this.names = new Set();
  }

  #entry(name, fields, data) {
    if (this.names.has(name)) return; // the first one wins (a library two binaries share)
    this.names.add(name);
    fs.writeSync(this.fd, header({ ino: this.ino++, name, ...fields }));
    if (data) {
      fs.writeSync(this.fd, data);
      fs.writeSync(this.fd, Buffer.alloc(pad4(data.length)));
    }
  }

  dir(name, mode = 0o755) {
    this.#entry(name, { mode: S_IFDIR | mode, nlink: 2, size: 0 });
  }

  /** Every missing directory above `name` (a/b/c → a, a/b). */
  parents(name) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) this.dir(parts.slice(0, i).join('/'));
  }

  file(name, content, mode = 0o644) {
    this.parents(name);
    this.#entry(name, { mode: S_IFREG | mode, nlink: 1, size: content.length }, content);
  }

  /** A host file, streamed in 1 MiB pieces (node alone is ~100 MB); its mode kept. */
  copy(name, source) {
    if (this.names.has(name)) return;
    this.parents(name);
    const stat = fs.statSync(source);
    this.names.add(name);
    fs.writeSync(this.fd, header({ ino: this.ino++, name, mode: S_IFREG | (stat.mode & 0o7777), nlink: 1, size: stat.size }));
    const input = fs.openSync(source, 'r');
    const chunk = Buffer.alloc(1 << 20);
    let copied = 0;
    for (let n; (n = fs.readSync(input, chunk, 0, chunk.length, null)) > 0; copied += n) fs.writeSync(this.fd, chunk, 0, n);
    fs.closeSync(input);
    if (copied !== stat.size) throw new Error(`${source} changed size while being copied`);
    fs.writeSync(this.fd, Buffer.alloc(pad4(stat.size)));
  }

  symlink(name, target) {
    this.parents(name);
    this.#entry(name, { mode: S_IFLNK | 0o777, nlink: 1, size: Buffer.byteLength(target) }, Buffer.from(target));
  }

  charDevice(name, major, minor, mode = 0o600) {
    this.parents(name);
    this.#entry(name, { mode: S_IFCHR | mode, nlink: 1, size: 0, rdevMajor: major, rdevMinor: minor });
  }

  close() {
    fs.writeSync(this.fd, header({ ino: 0, mode: 0, nlink: 1, size: 0, name: 'TRAILER!!!' }));
    fs.closeSync(this.fd);
  }
}
