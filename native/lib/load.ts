// Finds and loads the compiled addon. This file runs both from source (vitest) and
// bundled into out/main/*.js (electron-vite), so the addon is found from the package
// root, never from a path relative to this file.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What native/src/binding.cc exports; index.ts is the typed face callers use. */
export interface NativeBinding {
  lock(fd: number, exclusive: boolean): Promise<void>;
  tryLock(fd: number, exclusive: boolean): boolean;
  unlock(fd: number): void;
  preadBatch(fds: Int32Array, buffers: Buffer[]): Promise<Int32Array>;
  diskUsage?(path: string): Promise<{ bytes: number; inodes: number }>;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  lremovexattr(path: string, name: string): void;
  lgetxattrAsync(path: string, name: string): Promise<Buffer | null>;
  llistxattrAsync(path: string): Promise<string[]>;
  lsetxattrAsync(path: string, name: string, value: Buffer): Promise<void>;
  mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;
  umountAsync(target: string, flags: number): Promise<void>;
  mountDataMax(): number;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  spawnWait(path: string, argv: string[], envp: string[], cwd: string | null): Promise<{ code: number | null; signal: number | null; stdout: Buffer; stderr: Buffer }>;
  peerCredentials(fd: number): { pid: number; uid: number; gid: number; groups: number[] | null };
  openInRoot(rootFd: number, path: string, flags: number, mode: number, opts: number): number;
  openInRootAsync(rootFd: number, path: string, flags: number, mode: number, opts: number, content?: Buffer[]): Promise<number>;
  makeEntriesInRoot(rootFd: number, opts: number, paths: string, meta: Float64Array, data: Buffer[]): Promise<void>;
  mkdirInRoot(rootFd: number, path: string, mode: number, uid: number, gid: number, opts: number): { fd: number; created: boolean };
  removeInRoot(rootFd: number, path: string, opts: number): void;
  hasOpenat2(): boolean | null;
  netAttach(options: { netnsFile: string; hostVeth: string; peer: string; bridge: string; address: number; prefix: number; gateway: number }): Promise<void>;
  netNetnsCreate(netnsFile: string): Promise<void>;
  netBridgeCreate(name: string, address: number, prefix: number): Promise<void>;
  netLinkDelete(name: string, kind: string | null): Promise<boolean>;
  netLinkSetMac(name: string, mac: Buffer): Promise<void>;
  netRoutes4(): Promise<{ dst: number; prefix: number; dev: string | null }[]>;
  /** confine.h's option bits and O_PATH, by name. */
  readonly confineConstants: Readonly<Record<string, number>>;
  /** The C library's MS_* and MNT_* values, by their C names. */
  readonly constants: Readonly<Record<string, number>>;
}

const PACKAGE_NAME = 'strata';
const ADDON_PATH = 'native/build/Release/strata_native.node';

function isPackageRoot(dir: string): boolean {
  try {
    const manifest: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return (manifest as { name?: unknown } | null)?.name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** Walks up from `start` to the directory whose package.json is named "strata". */
export function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the "${PACKAGE_NAME}" package.json above ${start}`);
    }
  }
}

/** Requires the compiled addon at `file`, or says how to build it when it is missing. */
export function requireAddon(file: string): NativeBinding {
  if (!fs.existsSync(file)) {
    throw new Error(`the native addon is not built (${file} is missing): run \`npm run build:native\``);
  }
  return createRequire(import.meta.url)(file) as NativeBinding;
}

/** Where the addon is built, from the package root above this module. */
export function addonFile(): string {
  const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
  return path.join(root, ADDON_PATH);
}

let binding: NativeBinding | undefined;

/** The addon, loaded on first use and kept. */
export function native(): NativeBinding {
  binding ??= requireAddon(addonFile());
  return binding;
}
