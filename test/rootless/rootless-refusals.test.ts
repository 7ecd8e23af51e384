// What a user who cannot have a rootless engine is told, through the CLI on the `rootless`
// connection — each refusal UNSUPPORTED, saying what to do, leaving no pause process:
//   - no subordinate uid range (nobody has none): the usermod that adds one; and such a
//     user's default connection stays local (images only), not a rootless engine that
//     cannot start;
//   - newuidmap not found (a PATH without it): the package to install;
//   - user namespaces disabled: the CLI run inside a user namespace (identity-mapped, made
//     here as root) whose user.max_user_namespaces is 0 — the knob is per user namespace,
//     so the host's stays as it is.
// Needs root (to become the users and make the namespace) and the build.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSubordinateIds } from '../../src-main/connections/connection';
import { CLI, type Home, type User, asUser, cleanUp, cli, findRootlessUser, makeHome, pausePid, userNamed } from './rootless-fixture';

const found = findRootlessUser();
const nobody = userNamed('nobody');
const skip = typeof found === 'string' ? found : !nobody ? 'no user nobody' : hasSubordinateIds(nobody.uid) ? 'nobody has a subuid range here' : undefined;
if (skip) console.log(`rootless refusals: skipped — ${skip}`);

const homes: Home[] = [];
function home(user: User, label: string): Home {
  const made = makeHome(user, label);
  homes.push(made);
  return made;
}

/**
 * The CLI as `user`, inside a new user namespace of root's (all ids mapped to themselves,
 * written from here once it exists) whose max_user_namespaces is set to 0 first.
 */
function cliWithoutUserNamespaces(at: Home, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inner = ['setpriv', ...asUser(at.user), process.execPath, CLI, ...args].map((word) => `'${word}'`).join(' ');
  // unshare execs the shell before the maps exist (it has no capabilities then): wait for
  // them, then exec again to be root of the namespace.
  const script = `while [ -z "$(cat /proc/self/uid_map)" ]; do sleep 0.05; done; exec sh -c "echo 0 > /proc/sys/user/max_user_namespaces && exec ${inner.replace(/"/g, '\\"')}"`;
  const child = spawn('unshare', ['--user', '--', 'sh', '-c', script], { env: at.env, cwd: at.work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // the child (unshare, then the shell: same pid) is in the namespace once its uid_map is writable
  const map = () => {
    try {
      fs.writeFileSync(`/proc/${child.pid}/uid_map`, '0 0 4294967295');
      fs.writeFileSync(`/proc/${child.pid}/gid_map`, '0 0 4294967295');
      return true;
    } catch {
      return false;
    }
  };
  return new Promise((resolve) => {
    const tryMap = () => (map() ? undefined : setTimeout(tryMap, 20));
    setTimeout(tryMap, 20);
    void exited.then((code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(skip !== undefined)('the rootless engine refused, with what to do', () => {
  afterAll(async () => {
    for (const made of homes) expect(await cleanUp(made)).toEqual([]);
  });

  it('a user without a subordinate uid range: how to add one; their default stays local', () => {
    const at = home(nobody!, 'rootless-nosubid');
    const result = cli(at, ['--connection', 'rootless', 'system', 'info']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('user nobody has no subordinate uid range in /etc/subuid');
    expect(result.stderr).toContain('add one: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 nobody');
    expect(result.stderr).toContain('[UNSUPPORTED]');
    expect(pausePid(at)).toBeUndefined();
    const rows = JSON.parse(cli(at, ['system', 'connections', '--json']).stdout) as { name: string; default: boolean; reachable: string }[];
    expect(rows.find((row) => row.default)?.name).toBe('local');
    expect(rows.find((row) => row.name === 'rootless')?.reachable).toContain('no: you have no subordinate uid/gid range');
  });

  it('newuidmap not found: install uidmap', () => {
    const at = home(found as User, 'rootless-nonewuidmap');
    const result = cli(at, ['--connection', 'rootless', 'system', 'info'], { PATH: path.join(at.work, 'empty-bin') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('newuidmap is not installed');
    expect(result.stderr).toContain('sudo apt install uidmap');
    expect(result.stderr).toContain('[UNSUPPORTED]');
    expect(pausePid(at)).toBeUndefined(); // the pause process made for it was ended
  });

  it('user namespaces disabled (max_user_namespaces 0 in the namespace the CLI runs in): the sysctl', async () => {
    const at = home(found as User, 'rootless-nouserns');
    const result = await cliWithoutUserNamespaces(at, ['--connection', 'rootless', 'system', 'info']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)');
    expect(result.stderr).toContain('sudo sysctl -w user.max_user_namespaces=');
    expect(result.stderr).toContain('[UNSUPPORTED]');
    expect(pausePid(at)).toBeUndefined();
    expect(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim()).not.toBe('0'); // the host's untouched
  });
});
