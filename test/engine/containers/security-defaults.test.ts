// A container's security defaults, observed from inside a running container started through
// the engine and compared with Docker's defaults written out as literals
// (test/helpers/docker-defaults.ts), not with the engine's own constants: the capability sets
// of /proc/self/status decoded to names, no_new_privs, seccomp filter mode, every masked path hidden (a file reads
// empty and is /dev/null, a directory is an empty read-only tmpfs), every read-only path and
// /sys refusing a write with EROFS.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMountinfo } from '../../../src-main/engine/cgroups/detect';
import { Engine } from '../../../src-main/engine/index';
import { logText, removeTestStore } from '../../helpers/containers';
import { DOCKER_CAPABILITIES, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, capabilityNames } from '../../helpers/docker-defaults';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('security-defaults: skipped, running containers through the engine needs root');

let work: string;
let engine: Engine;
/** What the container printed, by section (`--name--` lines start each). */
const seen: Record<string, string> = {};

const section = (name: string, command: string) => `echo --${name}--; ${command}`;

// One shell script, run as the container's PID 1; `busybox <applet>` for applets the image does not link.
const SCRIPT = [
  section('status', 'cat /proc/self/status'),
  section('mountinfo', 'cat /proc/self/mountinfo'),
  section('masked', `for p in ${DOCKER_MASKED_PATHS.join(' ')}; do
    if [ -d "$p" ]; then echo "$p dir $(ls -A "$p" | busybox wc -l)";
    elif [ -e "$p" ]; then echo "$p file $(cat "$p" | busybox wc -c) $(busybox stat -c %t:%T "$p")";
    else echo "$p absent"; fi
  done`),
  // Opening an existing file for appending needs a writable mount before the file is even
  // asked: EROFS on a read-only one, and nothing written on a writable one. A directory is
  // probed through the first root-writable file in it.
  section('writes', `for p in ${DOCKER_READONLY_PATHS.join(' ')} /sys /proc/sys/kernel/domainname; do
    if [ -d "$p" ]; then f=$(busybox find "$p" -type f -perm -200 2>/dev/null | busybox head -n 1); else f="$p"; fi
    if [ ! -e "$p" ]; then echo "$p|-|absent";
    elif [ -z "$f" ]; then echo "$p|-|no writable file";
    else echo "$p|$f|$( (: >> "$f") 2>&1 && echo opened)"; fi
  done`),
].join('\n');

beforeAll(async () => {
  if (!isRoot) return;
  work = makeTempDir('security-defaults');
  const { a } = testImages(work);
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
  const container = await engine.runContainer('test/a:1', { command: ['sh', '-c', SCRIPT] });
  expect(await engine.waitContainer(container.id)).toBe(0);
  const parts = logText(engine, container.id).split(/^--(\w+)--\n/m); // [before, name, text, name, text, …]
  for (let i = 1; i < parts.length; i += 2) seen[parts[i]!] = parts[i + 1]!.replace(/\n$/, '');
});

afterAll(async () => {
  if (isRoot) await removeTestStore(engine, work);
});

/** The container's mount at `point` (the topmost, as path lookup sees it). */
function mountAt(point: string) {
  return parseMountinfo(seen.mountinfo ?? '').filter((entry) => entry.mountPoint === point).at(-1);
}

/** Per-mount options (mountinfo field 6), where `ro` of a read-only bind shows. */
function mountOptions(point: string): string[] {
  const line = (seen.mountinfo ?? '').split('\n').filter((l) => l.split(' ')[4] === point).at(-1);
  return line?.split(' ')[5]?.split(',') ?? [];
}

function statusField(key: string): string {
  const line = (seen.status ?? '').split('\n').find((l) => l.startsWith(`${key}:`));
  return line ? line.slice(key.length + 1).trim() : '';
}

describe.skipIf(!isRoot)('security defaults, seen from inside a running container', () => {
  it("root holds exactly Docker's capabilities, nothing inheritable or ambient", () => {
    const docker = [...DOCKER_CAPABILITIES].sort();
    expect(capabilityNames(statusField('CapEff'))).toEqual(docker);
    expect(capabilityNames(statusField('CapPrm'))).toEqual(docker);
    expect(capabilityNames(statusField('CapBnd'))).toEqual(docker);
    // Docker gives none inheritable since CVE-2022-24769; ambient ones were never given
    expect(capabilityNames(statusField('CapInh'))).toEqual([]);
    expect(capabilityNames(statusField('CapAmb'))).toEqual([]);
  });

  it('sets no_new_privs: no setuid binary can gain what the container lacks', () => {
    expect(statusField('NoNewPrivs')).toBe('1');
  });

  it('runs under a seccomp filter (the default profile: test/cli/seccomp.test.ts probes what it refuses)', () => {
    expect(statusField('Seccomp')).toBe('2');
    expect(statusField('Seccomp_filters')).toBe('1');
  });

  it('hides every masked path the kernel has: files read empty as /dev/null, directories are empty read-only tmpfs', () => {
    const lines = new Map((seen.masked ?? '').split('\n').map((line) => [line.split(' ')[0]!, line.split(' ').slice(1).join(' ')]));
    expect([...lines.keys()].sort()).toEqual([...DOCKER_MASKED_PATHS].sort());
    const kinds = new Set<string>();
    for (const p of DOCKER_MASKED_PATHS) {
      const what = lines.get(p)!;
      kinds.add(what.split(' ')[0]!);
      // a path this kernel does not have (timer_stats since 4.11, asound without sound) has nothing to hide
      if (what === 'absent') {
        expect(fs.existsSync(p), `${p} is on the host but not in the container`).toBe(false);
      } else if (what.startsWith('dir')) {
        expect(what, p).toBe('dir 0');
        expect(mountAt(p)?.fsType, p).toBe('tmpfs');
        expect(mountOptions(p), p).toContain('ro');
      } else {
        expect(what, p).toBe('file 0 1:3'); // /dev/null is char 1:3
      }
    }
    // not vacuous: this kernel has masked files and directories to show (/proc/keys, /sys/firmware)
    expect([...kinds].filter((kind) => kind !== 'absent').sort()).toEqual(['dir', 'file']);
  });

  it('makes every read-only path and /sys refuse a write', () => {
    const probes = (seen.writes ?? '').split('\n').map((line) => line.split('|'));
    expect(probes.map(([p]) => p)).toEqual([...DOCKER_READONLY_PATHS, '/sys', '/proc/sys/kernel/domainname']);
    for (const [p, file, result] of probes) {
      if (result === 'absent') {
        expect(fs.existsSync(p!), `${p} is on the host but not in the container`).toBe(false);
        continue;
      }
      if (p !== '/proc/sys/kernel/domainname') expect(mountOptions(p!), p).toContain('ro');
      if (result !== 'no writable file') expect(result, `${p}: ${file}`).toMatch(/Read-only file system$/);
    }
    // not vacuous: a sysctl (root-writable, in the container's own UTS namespace) was refused
    expect(probes.at(-1)![2]).toMatch(/Read-only file system$/);
    expect(mountAt('/sys')?.fsType).toBe('sysfs');
  });
});
