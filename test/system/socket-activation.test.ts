// Socket activation as systemd does it, without systemd: a process binds and listens on
// the socket, puts it at fd 3, sets LISTEN_PID to its own pid and LISTEN_FDS=1, and execs
// `strata system service` (python3 plays systemd here). The service serves on that socket
// instead of making one, checks its peers as ever, and on SIGTERM leaves the socket file
// alone: it is systemd's, which keeps queueing connections for the next start. Needs root.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketTransport } from '../../src-main/connections/socket-transport';
import { Engine } from '../../src-main/engine/index';
import type { SystemInfo } from '@shared/api/types/system';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir } from '../helpers/test-images';
import { requireBuild } from '../engine/store/store-fixture';
import { CLI, GROUP, type TestUser, cliAs, findTestUser, openDir } from './system-fixture';

const found = findTestUser();
if (typeof found === 'string') console.log(`socket-activation: skipped — ${found}`);

/** Binds, listens, moves the socket to fd 3 and execs the rest of argv with LISTEN_PID/LISTEN_FDS: systemd's part. */
const ACTIVATOR = `
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o666)
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)  # dup2 onto itself would keep close-on-exec
os.environ['LISTEN_PID'] = str(os.getpid())
os.environ['LISTEN_FDS'] = '1'
os.execv(sys.argv[2], sys.argv[2:])
`;

let work: string;
let root: string;

describe.skipIf(typeof found === 'string')('strata system service started by socket activation', () => {
  beforeAll(() => {
    requireBuild();
    work = openDir(makeTempDir('socket-activation'));
    root = path.join(work, 'store');
  });

  afterAll(async () => {
    if (work) await removeTestStore(Engine.open({ root }), work);
  });

  it('serves on the socket it was given, checks peers, and leaves the socket on exit', async () => {
    const socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
    const service = spawn('python3', ['-c', ACTIVATOR, socketPath, process.execPath, CLI, '--root', root, 'system', 'service', '--group', GROUP], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    service.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
    await expect.poll(() => out).toContain('listening on fd 3 (systemd socket activation)');

    const transport = socketTransport(socketPath);
    const reply = await transport.invoke('system.info', {});
    expect('result' in reply && (reply.result as SystemInfo).storeRoot).toBe(root);
    transport.close();
    // The socket is 0666 here (systemd's SocketMode decides): the service's own check refuses.
    const stranger = cliAs(found as TestUser, false, { STRATA_HOST: `unix://${socketPath}` }, 'system', 'info');
    expect(stranger.stderr).toMatch(/are not in group strata.*\[PERMISSION_DENIED\]/);

    service.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.statSync(socketPath).isSocket()).toBe(true);
  });
});
