// The system store (src-renderer/src/stores/system.ts) over a fake engine: system.info asked
// once however many panels want it, asked again after a failure, and generous ceilings for
// the limits until it has answered; what the engine says it cannot do, with its reason.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SystemInfo } from '@shared/api/types/system';
import { useSystemStore } from '../../../src-renderer/src/stores/system';
import { deferred, engine } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const INFO: SystemInfo = { version: '0.1.0', platform: 'linux', arch: 'x64', kernel: '6.1.0', storeRoot: '/var/lib/strata', cgroupVersion: 'v2', rootless: false, privilege: 'root', uid: 0, cpus: 2, memoryBytes: 4 * 1024 ** 3, storeSupervisor: true, storeSupervisorPid: 1234, capabilities: { containers: { ok: true }, limits: { ok: true }, pause: { ok: true }, networks: ['bridge', 'host', 'none'], bridge: { ok: true }, statsSource: 'cgroup', hostUser: { uid: 0, name: 'root' } } };
const V1_REASON = 'rootless on cgroup v1 gives containers no cgroup; limits and pause need cgroup v2 with a delegated subtree (a systemd user slice)';
const NO_BRIDGE = "the rootless engine has no bridge network (it needs the host's root)";
const ROOTLESS: SystemInfo = {
  ...INFO,
  privilege: 'rootless',
  cgroupVersion: 'v1',
  capabilities: { containers: { ok: true }, limits: { ok: false, reason: V1_REASON }, pause: { ok: false, reason: V1_REASON }, networks: ['none', 'host'], bridge: { ok: false, reason: NO_BRIDGE }, statsSource: 'proc', hostUser: { uid: 1001, name: 'strata-test' } },
};

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
});

describe('system', () => {
  it('asks once while an answer is on its way and after it came', async () => {
    const answer = deferred<SystemInfo>();
    engine.answer('system.info', () => answer.promise);
    const store = useSystemStore();
    const first = store.load();
    const second = store.load();
    expect(store.host()).toEqual({ cpus: 1024, memoryBytes: Number.MAX_SAFE_INTEGER });
    answer.resolve(INFO);
    await Promise.all([first, second]);
    await store.load();
    expect(engine.inputsOf('system.info')).toHaveLength(1);
    expect(store.info).toEqual(INFO);
    expect(store.host()).toEqual({ cpus: 2, memoryBytes: 4_294_967_296 });
  });

  it('asks again after a failure, keeping the generous ceilings meanwhile', async () => {
    engine.fail('system.info', 'INTERNAL', 'engine starting');
    const store = useSystemStore();
    await store.load();
    expect(store.info).toBeUndefined();
    expect(store.host().cpus).toBe(1024);
    engine.answer('system.info', () => INFO);
    await store.load();
    expect(engine.inputsOf('system.info')).toHaveLength(2);
    expect(store.host().cpus).toBe(2);
  });

  it("says nothing is refused until the engine has answered, then the engine's own reasons", async () => {
    const answer = deferred<SystemInfo>();
    engine.answer('system.info', () => answer.promise);
    const store = useSystemStore();
    const loading = store.load();
    expect(store.cannot('limits')).toBeUndefined();
    answer.resolve(ROOTLESS);
    await loading;
    expect(store.cannot('limits')).toBe(V1_REASON);
    expect(store.cannot('pause')).toBe(V1_REASON);
    expect(store.cannot('bridge')).toBe(NO_BRIDGE);
    expect(store.cannot('containers')).toBeUndefined();
    expect(store.capabilities?.networks).toEqual(['none', 'host']);
  });
});
