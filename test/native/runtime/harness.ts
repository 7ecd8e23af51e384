// Bundles for strata-runtime tests, built from Debian's busybox-static, and the checks
// every suite ends with: no container, mount, cgroup or process of ours left behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, expect } from 'vitest';

import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  type OciConfig,
  defaultMounts,
  runRuntime,
  runtimeBinaryPath,
  runtimeStateIds,
  type RuntimeResult,
} from '../../../src-main/engine/runtime';
import { strataCgroupDirs } from '../../helpers/cgroups';

const APPLETS = [
  'sh', 'cat', 'echo', 'id', 'ls', 'hostname', 'sleep', 'grep', 'head', 'touch', 'mkdir', 'stat', 'readlink',
  'wc', 'pwd', 'env', 'true', 'false', 'dd', 'kill', 'yes', 'seq', 'tr', 'cut', 'uname', 'test', 'awk', 'ps', 'tty', 'stty',
];

/** A per-suite workspace: a state root, bundles, unique container ids. */
export interface Workspace {
  readonly dir: string;
  readonly root: string;
  /** A unique id for this suite; cgroups land under strata/<id>. */
  id(name: string): string;
  bundle(edit?: (c: OciConfig) => void): string;
  rt(args: readonly string[], opts?: { env?: NodeJS.ProcessEnv; binary?: string }): Promise<RuntimeResult>;
}

/** Makes a busybox rootfs: /bin with the applets, /etc/passwd and group, /tmp. */
export function makeRootfs(dir: string): void {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nuser:x:1000:\nextra:x:2000:user\n');
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o1777 });
  fs.mkdirSync(path.join(dir, 'proc'));
  fs.mkdirSync(path.join(dir, 'sys'));
  fs.mkdirSync(path.join(dir, 'dev'));
}

/** A config like `runc spec` writes, running `sh -c script`. */
export function baseConfig(script = 'true'): OciConfig {
  return {
    ociVersion: '1.0.2',
    process: {
      args: ['sh', '-c', script],
      env: ['PATH=/bin', 'HOME=/root'],
      cwd: '/',
      user: { uid: 0, gid: 0 },
      capabilities: {
        bounding: [...DEFAULT_CAPABILITIES],
        effective: [...DEFAULT_CAPABILITIES],
        permitted: [...DEFAULT_CAPABILITIES],
        inheritable: [],
        ambient: [],
      },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: 'strata-test',
    mounts: defaultMounts(),
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }],
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}

let suiteCounter = 0;

/** One workspace per test file; afterAll deletes its containers and checks for leftovers. */
export function useWorkspace(): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rt-'));
  const root = path.join(dir, 'state');
  const prefix = `rtt-${process.pid}-${++suiteCounter}`;
  const ws: Workspace = {
    dir,
    root,
    id: (name) => `${prefix}-${name}`,
    bundle(edit) {
      const b = fs.mkdtempSync(path.join(dir, 'bundle-'));
      fs.chmodSync(b, 0o755); // a mapped root (user namespace) must reach the rootfs
      makeRootfs(path.join(b, 'rootfs'));
      const config = baseConfig();
      edit?.(config);
      fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(config, null, 2));
      return b;
    },
    // the runtime's text errors, as a person at a shell sees them (errors.test.ts covers JSON)
    rt: (args, opts = {}) => runRuntime(args, { root, env: opts.env, binary: opts.binary, jsonErrors: false }),
  };
  afterAll(async () => {
    if (fs.existsSync(root)) {
      for (const id of runtimeStateIds(fs.readdirSync(root))) await ws.rt(['delete', '--force', id]);
    }
    expect(leftoverCgroups(prefix)).toEqual([]);
    expect(fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dir))).toEqual([]);
    // A shim records the exit, then (with --rm) deletes and drains before it exits itself:
    // give such stragglers a bounded moment to finish before calling them leftovers.
    for (let i = 0; i < 100 && livingProcesses(dir, prefix).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(livingProcesses(dir, prefix)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return ws;
}

/** Cgroup directories named with our prefix, under the strata parent of any hierarchy (detected: v1 or v2). */
export function leftoverCgroups(prefix: string): string[] {
  const out: string[] = [];
  for (const parent of strataCgroupDirs()) {
    if (!fs.existsSync(parent)) continue;
    for (const e of fs.readdirSync(parent)) if (e.startsWith(prefix)) out.push(path.join(parent, e));
  }
  return out;
}

/** Live (not zombie) processes in one of our cgroups, or with dir on their command line. */
export function livingProcesses(dir: string, prefix: string): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      const cgroups = fs.readFileSync(`/proc/${e}/cgroup`, 'utf8');
      if (cgroups.includes(`/strata/${prefix}`) || cmd.includes(dir)) pids.push(Number(e));
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/**
 * `run` with the container on pipes: resolves when it exits. The runtime's own errors
 * and the container's stderr share stderr.
 */
export function runContainer(ws: Workspace, bundle: string, id: string, binary?: string, env?: NodeJS.ProcessEnv): Promise<RuntimeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary ?? runtimeBinaryPath(), ['--root', ws.root, 'run', '--bundle', bundle, id], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs script in a fresh container built with edit; returns its output. */
export async function inContainer(ws: Workspace, script: string, edit?: (c: OciConfig) => void, name = 'c'): Promise<RuntimeResult> {
  const bundle = ws.bundle((c) => {
    c.process.args = ['sh', '-c', script];
    edit?.(c);
  });
  return runContainer(ws, bundle, ws.id(`${name}-${path.basename(bundle)}`));
}

/**
 * `create` with the container's stdio on files (a pipe would stay open in the
 * container). Returns the runtime's exit status and stderr.
 */
export async function createContainer(
  ws: Workspace,
  bundle: string,
  id: string,
  extra: string[] = [],
  opts: { binary?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RuntimeResult & { out: string }> {
  const out = path.join(ws.dir, `${id}.out`);
  const fd = fs.openSync(out, 'w');
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(opts.binary ?? runtimeBinaryPath(), ['--root', ws.root, 'create', '--bundle', bundle, ...extra, id], {
        stdio: ['ignore', fd, fd],
        env: opts.env ?? process.env,
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr: fs.readFileSync(out, 'utf8'), out }));
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** Polls until check() is true (no timing assertion: the test timeout bounds it). */
export async function until(check: () => boolean | Promise<boolean>, everyMs = 20): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, everyMs));
}

export function capMask(names: readonly string[]): bigint {
  const table = [
    'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
    'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
    'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
    'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
    'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
    'CAP_SETFCAP',
  ];
  return names.reduce((m, n) => m | (1n << BigInt(table.indexOf(n))), 0n);
}

/** The value of a "Key:\tvalue" line of /proc/<pid>/status output. */
export function statusField(text: string, key: string): string {
  const line = text.split('\n').find((l) => l.startsWith(`${key}:`));
  return line ? line.slice(key.length + 1).trim() : '';
}
