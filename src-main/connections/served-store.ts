// Which store the system engine serves, said in a file beside its socket (`<socket>.store`,
// the store's absolute path) that `strata system service` writes once it listens and
// removes when it stops. Root's commands that only read (ps, images, inspect) go to a
// running system engine when it serves the store they would open themselves: they load no
// engine and open no store (issue 18), and see what the engine sees. Believed only when the
// socket and the file are both root's: anyone can bind a socket in a directory they own.
import fs from 'node:fs';
import path from 'node:path';

export function servedStoreFile(socketPath: string): string {
  return `${socketPath}.store`;
}

/**
 * Written whole (a temporary file renamed): a reader never sees half a path. Not the store's
 * writeFileAtomic: this module is read by every root command's connection (the CLI's client
 * chunk), and that one loads node:crypto for its temporary names.
 */
export function writeServedStore(socketPath: string, storeRoot: string): void {
  const file = servedStoreFile(socketPath);
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${path.resolve(storeRoot)}\n`, { mode: 0o644 });
  fs.renameSync(temporary, file);
}

export function removeServedStore(socketPath: string): void {
  fs.rmSync(servedStoreFile(socketPath), { force: true });
}

/** The store the engine on `socketPath` serves; undefined without a root-owned socket and file. */
export function servedStore(socketPath: string): string | undefined {
  try {
    const socket = fs.lstatSync(socketPath);
    const file = fs.lstatSync(servedStoreFile(socketPath));
    if (!socket.isSocket() || socket.uid !== 0 || !file.isFile() || file.uid !== 0) return undefined;
    const root = fs.readFileSync(servedStoreFile(socketPath), 'utf8').trim();
    return path.isAbsolute(root) ? root : undefined;
  } catch {
    return undefined;
  }
}
