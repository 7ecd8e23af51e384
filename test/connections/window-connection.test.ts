// The window's connection: the default and the remembered choice, switching (the old engine
// closed, the window told), the install offer only where the system engine is absent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '@shared/api/types/connection';
import type { ConnectionTarget } from '../../src-main/connections/connection';
import { type EngineLink, type LinkStatus, WindowConnection, type WindowConnectionOptions } from '../../src-main/connections/window-connection';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(systemState: LinkStatus['state'], extra: Partial<WindowConnectionOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-window-connection-'));
  dirs.push(dir);
  const socket = path.join(dir, 'strata.sock');
  const log: string[] = [];
  const open = (target: ConnectionTarget): EngineLink => {
    log.push(`open ${target.name}`);
    return {
      host: { openSession: () => ({ call: async () => ({ result: target.name }), subscribe: () => ({ result: null }), unsubscribe: () => ({ result: null }), close: () => {} }) },
      status: () => ({ state: target.kind === 'local' ? 'connected' : systemState, detail: null }),
      onStatus: () => () => {},
      close: async () => void log.push(`close ${target.name}`),
    };
  };
  const options: WindowConnectionOptions = {
    settingsFile: path.join(dir, 'settings', 'connection.json'),
    env: { STRATA_SYSTEM_SOCKET: socket, XDG_RUNTIME_DIR: dir },
    uid: 1000,
    hasSubordinateIds: () => false,
    open,
    probe: async (target) => ({ state: target.kind === 'local' ? 'connected' : systemState, detail: null }),
    ...extra,
  };
  return { options, log, socket };
}

describe('WindowConnection', () => {
  it('starts a normal user on the engine in the app when no system socket exists, and offers to install it', async () => {
    const { options, log } = setup('unreachable', { installSystem: async () => {} });
    const connection = await WindowConnection.open(options);
    const info = connection.info();
    expect(info).toMatchObject({ name: 'local', kind: 'local', state: 'connected', switchable: true, canInstallSystem: true });
    expect(info.available.map((c) => [c.name, c.state])).toEqual([['local', 'connected'], ['system', 'unreachable'], ['rootless', 'unreachable']]);
    expect(log).toEqual(['open local']);
    await connection.close();
  });

  it('starts a normal user with subordinate ids on their rootless engine when no system socket exists', async () => {
    const { options, log } = setup('unreachable', { hasSubordinateIds: () => true });
    const connection = await WindowConnection.open(options);
    expect(connection.info()).toMatchObject({ name: 'rootless', kind: 'socket', address: path.join(os.tmpdir(), 'strata-run-1000', 'strata.sock') }); // XDG_RUNTIME_DIR is not uid 1000's
    expect(connection.info().available.map((c) => c.name)).toEqual(['rootless', 'system', 'local']);
    expect(log).toEqual(['open rootless']);
    await connection.close();
  });

  it('offers no install without a way to install, or when the system engine answers', async () => {
    expect((await WindowConnection.open(setup('unreachable').options)).info().canInstallSystem).toBe(false);
    expect((await WindowConnection.open(setup('connected', { installSystem: async () => {} }).options)).info().canInstallSystem).toBe(false);
  });

  it('switches: the new engine opens, the old one closes, the window is told, and the choice is remembered', async () => {
    const switched: ConnectionInfo[] = [];
    const { options, log, socket } = setup('connected', { onSwitched: (info) => switched.push(info) });
    const connection = await WindowConnection.open(options);
    const changes: ConnectionInfo[] = [];
    connection.onChange((info) => changes.push(info));
    const after = await connection.use('system');
    expect(after).toMatchObject({ name: 'system', kind: 'socket', address: socket, state: 'connected' });
    expect(log).toEqual(['open local', 'open system', 'close local']);
    expect(switched.map((info) => info.name)).toEqual(['system']);
    expect(changes.map((info) => info.name)).toEqual(['system']);
    const session = connection.host.openSession(() => {});
    expect(await session.call('images.list', {})).toEqual({ result: 'system' });
    expect(JSON.parse(fs.readFileSync(options.settingsFile, 'utf8'))).toEqual({ connection: 'system' });
    await connection.close();

    const again = await WindowConnection.open(options);
    expect(again.info().name).toBe('system');
    await again.close();
  });

  it('refuses an unknown name and keeps the connection it has', async () => {
    const { options } = setup('connected');
    const connection = await WindowConnection.open(options);
    await expect(connection.use('elsewhere')).rejects.toThrow(/no connection named "elsewhere"/);
    expect(connection.info().name).toBe('local');
    expect(fs.existsSync(options.settingsFile)).toBe(false);
  });

  it('installs, then switches to the system engine', async () => {
    const steps: string[] = [];
    const { options } = setup('connected', { installSystem: async () => void steps.push('installed') });
    const connection = await WindowConnection.open(options);
    expect((await connection.installSystem()).name).toBe('system');
    expect(steps).toEqual(['installed']);
  });

  it('falls back to the default when the remembered choice is no longer a connection', async () => {
    const { options } = setup('unreachable');
    fs.mkdirSync(path.dirname(options.settingsFile), { recursive: true });
    fs.writeFileSync(options.settingsFile, '{"connection":"gone"}');
    expect((await WindowConnection.open(options)).info().name).toBe('local');
  });
});
