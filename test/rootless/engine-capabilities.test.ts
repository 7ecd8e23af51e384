// What the engine says it can and cannot do (rootless/engine-capabilities.ts), for every
// privilege and cgroup access: the reasons are cgroup-access.ts's own (the ones the
// engine's refusals give), the networks the ones each privilege offers and the bridge's
// reason the network code's, the stats source the one the sampler picks. And the words
// the window makes of them (connection-labels.ts).
import { describe, expect, it } from 'vitest';
import { V1_REASON, V2_UNDELEGATED_REASON } from '../../src-main/engine/rootless/cgroup-access';
import { NO_BRIDGE_REASON } from '../../src-main/engine/network/index';
import { NO_CONTAINERS_REASON, capabilitiesFrom, offeredNetworks } from '../../src-main/engine/rootless/engine-capabilities';
import type { SystemInfo } from '@shared/api/types/system';
import { capabilityLabel, limitationsLabel } from '../../src-renderer/src/lib/connection-labels';

const TEST_USER = { uid: 1001, name: 'strata-test' };

describe('engine capabilities', () => {
  it('root: everything, the bridge first, stats from the cgroup', () => {
    expect(capabilitiesFrom('root', { kind: 'full', parent: 'strata' }, { uid: 0, name: 'root' })).toEqual({
      containers: { ok: true },
      limits: { ok: true },
      pause: { ok: true },
      networks: ['bridge', 'host', 'none'],
      bridge: { ok: true },
      statsSource: 'cgroup',
      hostUser: { uid: 0, name: 'root' },
    });
  });

  it('rootless on cgroup v1: no limits and no pause, with the reason the engine refuses them with; none/host without slirp4netns or pasta; stats from /proc', () => {
    const said = capabilitiesFrom('rootless', { kind: 'none', reason: V1_REASON }, TEST_USER);
    expect(said.containers).toEqual({ ok: true });
    expect(said.limits).toEqual({ ok: false, reason: V1_REASON });
    expect(said.pause).toEqual({ ok: false, reason: V1_REASON });
    expect(said.networks).toEqual(['none', 'host']);
    expect(said.bridge).toEqual({ ok: false, reason: NO_BRIDGE_REASON });
    expect(said.statsSource).toBe('proc');
    expect(said.hostUser).toEqual(TEST_USER);
  });

  it('rootless with slirp4netns installed: it first (the default), then host and none; still no bridge', () => {
    const said = capabilitiesFrom('rootless', { kind: 'none', reason: V1_REASON }, TEST_USER, ['slirp4netns']);
    expect(said.networks).toEqual(['slirp4netns', 'host', 'none']);
    expect(said.bridge).toEqual({ ok: false, reason: NO_BRIDGE_REASON });
    expect(capabilitiesFrom('root', { kind: 'full', parent: 'strata' }, { uid: 0, name: 'root' }, ['slirp4netns', 'pasta']).networks).toEqual(['bridge', 'host', 'none']);
  });

  it('rootless with pasta: after slirp4netns where both are installed, the default where it is the only one', () => {
    expect(capabilitiesFrom('rootless', { kind: 'none', reason: V1_REASON }, TEST_USER, ['slirp4netns', 'pasta']).networks).toEqual(['slirp4netns', 'pasta', 'host', 'none']);
    expect(capabilitiesFrom('rootless', { kind: 'none', reason: V1_REASON }, TEST_USER, ['pasta']).networks).toEqual(['pasta', 'host', 'none']);
  });

  it('rootless on v2 without delegation says why; with a delegated subtree limits and pause are on, stats from the cgroup', () => {
    expect(capabilitiesFrom('rootless', { kind: 'none', reason: V2_UNDELEGATED_REASON }, TEST_USER).limits).toEqual({ ok: false, reason: V2_UNDELEGATED_REASON });
    const delegated = capabilitiesFrom('rootless', { kind: 'delegated', parent: 'user.slice/strata', controllers: ['cpu', 'memory', 'pids'] }, TEST_USER);
    expect([delegated.limits, delegated.pause, delegated.statsSource]).toEqual([{ ok: true }, { ok: true }, 'cgroup']);
  });

  it('unprivileged: no containers at all, no networks', () => {
    const said = capabilitiesFrom('unprivileged', { kind: 'none', reason: V1_REASON }, { uid: 65534, name: 'nobody' });
    expect(said.containers).toEqual({ ok: false, reason: NO_CONTAINERS_REASON });
    expect(said.networks).toEqual([]);
    expect(said.bridge).toEqual({ ok: false, reason: NO_CONTAINERS_REASON });
  });

  it('hands out a copy of the network list (a caller changing it changes no one else)', () => {
    offeredNetworks('root', []).pop();
    expect(offeredNetworks('root', [])).toEqual(['bridge', 'host', 'none']);
  });
});

describe('the connection panel words', () => {
  const base = { version: '0', platform: 'linux', arch: 'x64', kernel: '6', storeRoot: '/s', cgroupVersion: 'v1', rootless: false, uid: 0, cpus: 2, memoryBytes: 1, storeSupervisor: true, storeSupervisorPid: null } as const;

  it('rootless: who, in a user namespace, and what it cannot do', () => {
    const info: SystemInfo = { ...base, privilege: 'rootless', capabilities: capabilitiesFrom('rootless', { kind: 'none', reason: V1_REASON }, TEST_USER) };
    expect(capabilityLabel(info)).toBe('Rootless — as strata-test, in a user namespace');
    expect(limitationsLabel(info)).toEqual({ text: 'No limits or pause · networks none, host', reasons: `${V1_REASON}\n${NO_BRIDGE_REASON}` });
  });

  it('a host user without a passwd entry is named by uid; root and unprivileged keep their words', () => {
    const info: SystemInfo = { ...base, privilege: 'rootless', capabilities: capabilitiesFrom('rootless', { kind: 'delegated', parent: 'x/strata', controllers: [] }, { uid: 4242, name: null }) };
    expect(capabilityLabel(info)).toBe('Rootless — as uid 4242, in a user namespace');
    expect(limitationsLabel(info)).toEqual({ text: 'networks none, host', reasons: NO_BRIDGE_REASON });
    expect(limitationsLabel({ ...base, privilege: 'root', capabilities: capabilitiesFrom('root', { kind: 'full', parent: 'strata' }, { uid: 0, name: 'root' }) })).toBeUndefined();
    expect(capabilityLabel({ ...base, privilege: 'root', capabilities: capabilitiesFrom('root', { kind: 'full', parent: 'strata' }, { uid: 0, name: 'root' }) })).toBe('Runs as root: containers, images, builds');
    expect(capabilityLabel({ ...base, privilege: 'unprivileged', rootless: true, uid: 65534, capabilities: capabilitiesFrom('unprivileged', { kind: 'none', reason: V1_REASON }, { uid: 65534, name: 'nobody' }) })).toBe('Runs as user 65534: images and layers only');
  });
});
