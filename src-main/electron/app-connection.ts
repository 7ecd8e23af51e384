// The window's engine: the WindowConnection (src-main/connections/window-connection.ts)
// given Electron's pieces — where the choice is kept (the app's settings folder), how the
// system engine is installed (polkit's pkexec runs `strata system install` as root), and a
// client of the main process's own (tray count, store folder, the quit notice).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { app } from 'electron';
import { type ApiClient, createClient } from '@shared/api/client';
import { StrataError } from '@shared/errors';
import { systemSocket } from '../connections/connection';
import { openLink, probeLink } from '../connections/engine-links';
import { withConnectionMethods } from '../connections/front-end-methods';
import { type ClosableTransport, localTransport } from '../connections/local-transport';
import type { SessionHost } from '../connections/session-host';
import { WindowConnection } from '../connections/window-connection';

const PKEXEC = ['/usr/bin/pkexec', '/bin/pkexec'];
/** How long after install the socket may take to appear (systemd's socket unit). */
const SOCKET_WAIT_MS = 10_000;

let opening: Promise<WindowConnection> | undefined;
const switchListeners = new Set<() => void>();

/** The window's connection, opened on first use (the remembered choice, else the default). */
export function appConnection(): Promise<WindowConnection> {
  opening ??= WindowConnection.open({
    settingsFile: path.join(app.getPath('userData'), 'connection.json'),
    open: (target) => openLink(target, { version: app.getVersion(), onInternalError: (method, error) => console.error(`strata: ${method} failed unexpectedly:`, error) }),
    probe: probeLink,
    installSystem: pkexecPath() ? installSystemWithPkexec : undefined,
    onSwitched: (info) => {
      console.log(`strata: the window now talks to ${info.name}`);
      for (const listener of [...switchListeners]) listener();
    },
  });
  return opening;
}

/** What the window's IPC serves: the engine's sessions with connection.* answered here. */
export async function appSessionHost(): Promise<SessionHost> {
  const connection = await appConnection();
  return withConnectionMethods(connection.host, connection);
}

/** Told after every switch of engine (the window re-serves and reloads). */
export function onConnectionSwitched(listener: () => void): () => void {
  switchListeners.add(listener);
  return () => switchListeners.delete(listener);
}

let own: { transport: ClosableTransport; client: ApiClient } | undefined;
onConnectionSwitched(() => {
  own?.transport.close();
  own = undefined;
});

/** The main process's own client, on the engine in use. */
export async function appClient(): Promise<ApiClient> {
  if (own) return own.client;
  const transport = localTransport(await appSessionHost());
  own = { transport, client: createClient(transport) };
  return own.client;
}

/** Before the app exits: the main process's session, then the engine link (an in-process engine cancels its jobs). */
export async function closeAppConnection(): Promise<void> {
  own?.transport.close();
  own = undefined;
  if (opening) await (await opening).close();
}

/** polkit's pkexec, where installed (STRATA_PKEXEC names another: the tests' stand-in). */
function pkexecPath(): string | undefined {
  return [process.env.STRATA_PKEXEC, ...PKEXEC].find((candidate) => candidate && fs.existsSync(candidate));
}

/** `strata system install` as root through polkit's password prompt, then waits for the socket. */
async function installSystemWithPkexec(): Promise<void> {
  const cli = path.join(app.getAppPath(), 'bin', 'strata.js');
  // pkexec passes no environment: ELECTRON_RUN_AS_NODE makes the app's binary a Node (plain node ignores it).
  const args = ['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, cli, 'system', 'install'];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(pkexecPath()!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      // pkexec: 126 the user dismissed the prompt, 127 not authorized.
      if (code === 126 || code === 127) reject(new StrataError('CANCELLED', 'the system engine was not installed: the password prompt was dismissed or refused'));
      else if (code !== 0) reject(new StrataError('INTERNAL', `strata system install failed (exit ${code}): ${text.trim()}`));
      else resolve(text);
    });
  });
  const socket = systemSocket();
  const deadline = Date.now() + SOCKET_WAIT_MS;
  while (!(await fs.promises.stat(socket).then((stat) => stat.isSocket(), () => false))) {
    if (Date.now() > deadline) throw new StrataError('UNAVAILABLE', `installed, but nothing listens on ${socket} yet: ${output.trim().split('\n').pop()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
