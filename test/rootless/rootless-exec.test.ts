// `strata-runtime rootless-exec` as the test user (strata-test, with a subuid/subgid
// range): the first call makes the pause process (its user namespace mapped: the user →
// 0, the range → 1…), the command runs in it as uid 0 with every capability there; a
// second call joins the same namespaces instead of making others; rootless-stop ends the
// pause process. Refused as root. Needs root (to become the test user) and the build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Home, RUNTIME, SETPRIV, type User, alive, asUser, cleanUp, findRootlessUser, gone, makeHome, pausePid } from './rootless-fixture';

const found = findRootlessUser();
if (typeof found === 'string') console.log(`rootless-exec: skipped — ${found}`);

let home: Home;

/** rootless-exec as the test user; `command` after `--`. */
function launch(...command: string[]) {
  const args = [...asUser(home.user), RUNTIME, '--log-format', 'json', 'rootless-exec', '--state-dir', home.runtimeDir, ...(command.length ? ['--', ...command] : [])];
  return spawnSync(SETPRIV, args, { env: home.env, encoding: 'utf8', cwd: home.work });
}

/** The subordinate uid range of a user from /etc/subuid (its first). */
function subuidRange(user: User): [number, number] {
  const line = fs.readFileSync('/etc/subuid', 'utf8').split('\n').find((entry) => entry.startsWith(`${user.name}:`))!;
  const [, start, count] = line.split(':');
  return [Number(start), Number(count)];
}

describe.skipIf(typeof found === 'string')('strata-runtime rootless-exec', () => {
  beforeAll(() => {
    home = makeHome(found as User, 'rootless-exec');
  });

  afterAll(async () => {
    expect(await cleanUp(home)).toEqual([]);
  });

  it('makes the pause process and runs the command in its namespaces as uid 0, in the caller\'s directory', () => {
    const result = launch('sh', '-c', 'id -u; cat /proc/self/uid_map; grep CapEff /proc/self/status; pwd; readlink /proc/self/ns/user');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [uid, ...rest] = result.stdout.trim().split('\n');
    expect(uid).toBe('0');
    const [start, count] = subuidRange(home.user);
    const maps = rest.slice(0, 2).map((line) => line.trim().split(/\s+/).map(Number));
    expect(maps).toEqual([
      [0, home.user.uid, 1],
      [1, start, count],
    ]);
    expect(rest[2]).toMatch(/^CapEff:\s*0*1?f+$/); // every capability, in its own namespace
    expect(rest[3]).toBe(home.work);
    const pause = pausePid(home)!;
    expect(alive(pause)).toBe(true);
    expect(fs.readFileSync(`/proc/${pause}/comm`, 'utf8')).toBe('strata-pause\n');
    expect(rest[4]).toBe(fs.readlinkSync(`/proc/${pause}/ns/user`));
    expect(fs.statSync(home.runtimeDir).mode & 0o777).toBe(0o700);
  });

  it('joins the live pause process on the next call instead of making another', () => {
    const before = pausePid(home);
    const first = JSON.parse(launch().stdout) as { pausePid: number; created: boolean };
    expect(first).toEqual({ pausePid: before, created: false });
    // what a container engine started by one call leaves, the next call sees (one mount namespace)
    const marker = path.join(home.home, 'mnt');
    expect(launch('sh', '-c', `mkdir -p ${marker} && mount -t tmpfs strata-test ${marker}`).status).toBe(0);
    expect(launch('sh', '-c', `grep -c ' ${marker} ' /proc/self/mountinfo`).stdout.trim()).toBe('1');
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(` ${marker} `); // not the host's
  });

  it('is refused to root (root has the system engine)', () => {
    const result = spawnSync(RUNTIME, ['--log-format', 'json', 'rootless-exec', '--state-dir', path.join(home.work, 'root-run'), '--', 'true'], { encoding: 'utf8' });
    expect(result.status).toBe(125);
    expect(JSON.parse(result.stderr)).toMatchObject({ code: 'INVALID_ARGUMENT', msg: expect.stringContaining('rootless-exec is for a normal user') });
  });

  it('rootless-stop ends the pause process and its namespaces, and a later call makes a new one', async () => {
    const pause = pausePid(home)!;
    const stop = spawnSync(SETPRIV, [...asUser(home.user), RUNTIME, 'rootless-stop', '--state-dir', home.runtimeDir], { env: home.env, encoding: 'utf8' });
    expect(JSON.parse(stop.stdout)).toEqual({ pausePid: pause });
    expect(await gone(pause)).toBe(true);
    expect(fs.existsSync(path.join(home.runtimeDir, 'pause.pid'))).toBe(false);
    const again = JSON.parse(launch().stdout) as { pausePid: number; created: boolean };
    expect(again.created).toBe(true);
    expect(alive(again.pausePid)).toBe(true);
  });
});
