// Who gets into the system engine, from the credentials the kernel reports (root, the
// group as primary or supplementary, anyone else refused with how to join — or, for a user
// the group file already lists, that a new login is needed), the group looked up by name
// (missing: say how to create it), and the socket file's rules: a dead service's socket is
// replaced, a live one's or anything that is not a socket is left alone; systemd's socket
// is taken only when meant for this process. No root needed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionDeniedMessage } from '../../src-main/connections/access-denied';
import { checkPeer, lookupGroup } from '../../src-main/server/peer-access';
import { activatedSocketFd, claimSocketPath, socketAnswers } from '../../src-main/server/socket-file';
import { isStrataError } from '@shared/errors';
import { makeTempDir } from '../helpers/test-images';

let work: string;
const files = { passwd: '', group: '' };
const strata = { name: 'strata', gid: 990 };

beforeAll(() => {
  work = makeTempDir('peer-access');
  files.passwd = path.join(work, 'passwd');
  files.group = path.join(work, 'group');
  fs.writeFileSync(files.passwd, 'root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\nbob:x:1002:1002::/home/bob:/bin/sh\n');
  fs.writeFileSync(files.group, 'root:x:0:\nalice:x:1001:\nbob:x:1002:\nstrata:x:990:bob\n');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('checkPeer', () => {
  it('admits root and members by primary or supplementary group', () => {
    expect(checkPeer({ pid: 1, uid: 0, gid: 0, groups: [] }, strata, files)).toEqual({ ok: true });
    expect(checkPeer({ pid: 1, uid: 1001, gid: 990, groups: [] }, strata, files)).toEqual({ ok: true });
    expect(checkPeer({ pid: 1, uid: 1001, gid: 1001, groups: [1001, 990] }, strata, files)).toEqual({ ok: true });
  });

  it('admits only uid 0 without a group (the rootless engine: its own user, as its user namespace sees them)', () => {
    expect(checkPeer({ pid: 1, uid: 0, gid: 0, groups: [] }, undefined, files)).toEqual({ ok: true });
    expect(checkPeer({ pid: 1, uid: 65534, gid: 65534, groups: [990] }, undefined, files)).toEqual({ ok: false, message: expect.stringContaining("another user's rootless Strata engine") });
  });

  it('refuses anyone else, saying how to join', () => {
    expect(checkPeer({ pid: 1, uid: 1001, gid: 1001, groups: [1001] }, strata, files)).toEqual({
      ok: false,
      message: 'you (uid 1001, user alice) are not in group strata, whose members may use the Strata system engine: ask an admin to run `sudo usermod -aG strata alice`, then log in again',
    });
    expect(checkPeer({ pid: 1, uid: 4242, gid: 4242, groups: [] }, strata, files)).toMatchObject({ ok: false, message: expect.stringContaining('you (uid 4242) are not in group strata') });
  });

  it('tells a user already listed in the group that this login predates it', () => {
    const verdict = checkPeer({ pid: 1, uid: 1002, gid: 1002, groups: [1002] }, strata, files);
    expect(verdict).toMatchObject({ ok: false, message: expect.stringContaining('joined group strata after this login session began: log out and in again (or run `newgrp strata`)') });
    expect(permissionDeniedMessage({ uid: 1002, user: 'bob', group: 'strata', groupFile: files.group })).toBe((verdict as { message: string }).message);
  });

  it.skipIf(process.getuid?.() !== 0)('falls back to /proc/<pid>/status for the groups on a kernel without SO_PEERGROUPS (as root: setpriv)', async () => {
    const member = spawn('setpriv', ['--groups', '990', 'sleep', '30'], { stdio: 'ignore' });
    try {
      await expect.poll(() => fs.readFileSync(`/proc/${member.pid}/status`, 'utf8')).toMatch(/^Groups:\s*990\s*$/m);
      expect(checkPeer({ pid: member.pid!, uid: 1001, gid: 1001, groups: null }, strata, files)).toEqual({ ok: true });
      expect(checkPeer({ pid: process.pid, uid: 1001, gid: 1001, groups: null }, strata, files).ok).toBe(false);
    } finally {
      member.kill();
    }
  });
});

describe('lookupGroup', () => {
  it('finds the gid, and refuses a missing group saying how to create it', () => {
    expect(lookupGroup('strata', files.group)).toEqual(strata);
    expect(() => lookupGroup('nope', files.group)).toThrow(/there is no group "nope" .*run `sudo strata system install` to create it, or pass --group NAME/);
  });
});

describe('the socket file', () => {
  it('creates a missing directory 0755, replaces a dead socket, refuses a live one and a non-socket', async () => {
    const socketPath = path.join(work, 'run', 'strata', 's.sock');
    await claimSocketPath(socketPath);
    expect(fs.statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o755);

    const live = net.createServer();
    await new Promise<void>((resolve) => live.listen(socketPath, resolve));
    expect(await socketAnswers(socketPath)).toBe(true);
    const refused = await claimSocketPath(socketPath).catch((error: unknown) => error);
    expect(isStrataError(refused, 'CONFLICT') && refused.message).toMatch(/another Strata service already answers on/);
    // A killed service leaves its socket file behind: a listener that is gone without unlinking.
    const dead = net.createServer();
    await new Promise<void>((resolve) => live.close(() => resolve()));
    const stale = path.join(work, 'stale.sock');
    await new Promise<void>((resolve) => dead.listen(stale, resolve));
    fs.linkSync(stale, socketPath); // a second name for it, kept after the listener goes
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    expect(fs.lstatSync(socketPath).isSocket()).toBe(true);
    expect(await socketAnswers(socketPath)).toBe(false);
    await claimSocketPath(socketPath);
    expect(fs.existsSync(socketPath)).toBe(false);

    fs.writeFileSync(socketPath, 'not a socket');
    const notSocket = await claimSocketPath(socketPath).catch((error: unknown) => error);
    expect(isStrataError(notSocket, 'CONFLICT') && notSocket.message).toMatch(/exists and is not a socket/);
    expect(fs.readFileSync(socketPath, 'utf8')).toBe('not a socket');
    await expect(claimSocketPath('relative.sock')).rejects.toThrow(/must be absolute/);
  });

  it("takes systemd's socket only when LISTEN_PID is this process, and clears the variables", () => {
    const mine = { LISTEN_PID: '77', LISTEN_FDS: '1', LISTEN_FDNAMES: 'strata.socket' };
    expect(activatedSocketFd(mine, 77)).toBe(3);
    expect(mine).toEqual({});
    expect(activatedSocketFd({ LISTEN_PID: '78', LISTEN_FDS: '1' }, 77)).toBeUndefined();
    expect(activatedSocketFd({}, 77)).toBeUndefined();
  });
});
