// Shared helpers for the stats tests: the fixture /proc, a writable copy of it, and cgroup
// layouts over the cgroupfs fixture trees (test/fixtures/cgroupfs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CgroupLayoutV1, CgroupLayoutV2 } from '../../../src-main/engine/cgroups/detect';
import { copyFixture } from '../cgroups/fake-kernel';

export const STATS_FIXTURES = path.join(import.meta.dirname, '../../fixtures/stats');
export const PROC_FIXTURE = path.join(STATS_FIXTURES, 'proc');

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `strata-stats-${label}-`));
}

/** A writable /proc stand-in: `stat` and `<pid>/net/dev` for each pid given. */
export function fakeProc(netDevs: Record<number, string> = {}): { root: string; setStat: (ticks: number[], cpus?: number) => void; setNetDev: (pid: number, text: string) => void } {
  const root = tempDir('proc');
  const setStat = (ticks: number[], cpus = 2): void => {
    const line = (name: string, values: number[]): string => `${name} ${values.join(' ')}`;
    const perCpu = Array.from({ length: cpus }, (_, i) => line(`cpu${i}`, ticks.map((t) => Math.floor(t / cpus))));
    // Rewritten in place (same inode), as the kernel's file "changes" under a kept descriptor.
    fs.writeFileSync(path.join(root, 'stat'), [line('cpu ', ticks), ...perCpu, 'intr 1 0 0', 'ctxt 5', 'btime 1700000000', ''].join('\n'));
  };
  const setNetDev = (pid: number, text: string): void => {
    fs.mkdirSync(path.join(root, String(pid), 'net'), { recursive: true });
    fs.writeFileSync(path.join(root, String(pid), 'net', 'dev'), text);
  };
  setStat([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  for (const [pid, text] of Object.entries(netDevs)) setNetDev(Number(pid), text);
  return { root, setStat, setNetDev };
}

/** net/dev text with loopback and one veth carrying the given counters. */
export function netDevText(rx: number, tx: number, lo = 0): string {
  return [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    `    lo: ${lo} 1 0 0 0 0 0 0 ${lo} 1 0 0 0 0 0 0`,
    `  eth0: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0`,
    '',
  ].join('\n');
}

/** A copy of the v1 cgroupfs fixture and a layout over it (each controller its own hierarchy, as on this machine). */
export function v1Fixture(): { root: string; layout: CgroupLayoutV1; file: (controller: string, name: string) => string } {
  const root = copyFixture('v1');
  const controllers: Record<string, string> = {};
  for (const controller of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio']) controllers[controller] = path.join(root, controller);
  return {
    root,
    layout: { version: 'v1', controllers, hierarchies: Object.values(controllers), unified: null },
    file: (controller, name) => path.join(root, controller, 'strata', 'c1', name),
  };
}

export function v2Fixture(): { root: string; layout: CgroupLayoutV2; file: (name: string) => string } {
  const root = copyFixture('v2');
  return { root, layout: { version: 'v2', mountPoint: root }, file: (name) => path.join(root, 'strata', 'c1', name) };
}

export function write(file: string, text: string | number): void {
  fs.writeFileSync(file, `${text}\n`);
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
