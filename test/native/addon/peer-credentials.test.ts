// peerCredentials(fd): the kernel's record of who connected to a Unix socket — pid, uid,
// primary gid and supplementary groups (SO_PEERCRED, SO_PEERGROUPS) — for this process's
// own connection and, as root, for a client run under other ids (setpriv); a descriptor
// that is not a socket is the kernel's ENOTSOCK; a bad fd never reaches C.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { peerCredentials } from '../../../native/lib';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();

/** Listens on a socket in the test's directory; resolves with the credentials of the first peer. */
async function firstPeer(connect: (socketPath: string) => void): Promise<ReturnType<typeof peerCredentials>> {
  const socketPath = path.join(tmp.dir, 'peer.sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  // Open to the client of another uid, if any.
  fs.chmodSync(tmp.dir, 0o755);
  fs.chmodSync(socketPath, 0o666);
  try {
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    connect(socketPath);
    const socket = await accepted;
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    const credentials = peerCredentials(fd);
    socket.destroy();
    return credentials;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('peerCredentials', () => {
  it("reports this process's ids for its own connection", async () => {
    let client: net.Socket | undefined;
    const peer = await firstPeer((socketPath) => (client = net.connect(socketPath)));
    client?.destroy();
    expect(peer).toMatchObject({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    // SO_PEERGROUPS (Linux 4.13+) lists the supplementary groups; null only on older kernels.
    const groups = fs.readFileSync('/proc/self/status', 'utf8').match(/^Groups:[ \t]*(.*)$/m)![1]!.trim().split(/\s+/).filter(Boolean).map(Number);
    if (peer.groups !== null) expect([...peer.groups].sort()).toEqual(groups.sort());
  });

  it.skipIf(process.getuid?.() !== 0)('reports the ids a client connected with (as root: setpriv)', async () => {
    const peer = await firstPeer((socketPath) => {
      const script = `require('net').connect(${JSON.stringify(socketPath)}).on('connect', function () { setTimeout(() => this.destroy(), 2000); })`;
      spawn('setpriv', ['--reuid', '4321', '--regid', '4322', '--groups', '4323,4324', process.execPath, '-e', script], { stdio: 'ignore' });
    });
    expect(peer.uid).toBe(4321);
    expect(peer.gid).toBe(4322);
    expect(peer.pid).toBeGreaterThan(0);
    expect(peer.pid).not.toBe(process.pid);
    if (peer.groups !== null) expect([...peer.groups].sort()).toEqual([4323, 4324]);
  });

  it('is ENOTSOCK on a file, and refuses a bad fd before C', () => {
    const fd = fs.openSync(path.join(tmp.dir, 'file'), 'w');
    try {
      expect(() => peerCredentials(fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK', syscall: 'getsockopt' }));
    } finally {
      fs.closeSync(fd);
    }
    expect(() => peerCredentials(-1)).toThrow(TypeError);
  });
});
