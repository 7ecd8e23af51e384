// Words for a connection and its state, shared by the sidebar and the notices. Pure, so
// the wording is tested without a window.
import type { ConnectionState, ConnectionStatus } from '@shared/api/types/connection';
import type { SystemInfo } from '@shared/api/types/system';

export function connectionLabel(connection: Pick<ConnectionStatus, 'name' | 'kind'>): string {
  if (connection.name === 'system') return 'System engine';
  if (connection.name === 'rootless') return 'Rootless engine';
  if (connection.kind === 'local') return 'Engine in this app';
  return connection.name;
}

export const STATE_LABELS: Record<ConnectionState, string> = {
  connected: 'Connected',
  connecting: 'Reconnecting…',
  unreachable: 'Not running',
  refused: 'Refused',
};

/** Who the engine runs as, from its system.info: its privilege, and for the rootless engine whose namespace. */
export function capabilityLabel(info: SystemInfo | undefined): string | undefined {
  if (!info) return undefined;
  if (info.privilege === 'unprivileged') return `Runs as user ${info.uid}: images and layers only`;
  if (info.privilege === 'rootless') {
    const user = info.capabilities.hostUser;
    return `Rootless — as ${user.name ?? `uid ${user.uid}`}, in a user namespace`;
  }
  return 'Runs as root: containers, images, builds';
}

/**
 * What a container-running engine cannot do, in one line under its privilege ("No limits
 * or pause · networks none, host"), and the engine's reasons for its tooltip; undefined
 * when it can do everything (root) or runs no containers (the notice says that).
 */
export function limitationsLabel(info: SystemInfo | undefined): { text: string; reasons: string } | undefined {
  if (!info || !info.capabilities.containers.ok) return undefined;
  const { limits, pause, bridge, networks } = info.capabilities;
  const cannot = [!limits.ok && 'limits', !pause.ok && 'pause'].filter((what): what is string => typeof what === 'string');
  if (cannot.length === 0 && bridge.ok) return undefined;
  const parts = [cannot.length > 0 && `No ${cannot.join(' or ')}`, !bridge.ok && `networks ${networks.join(', ') || 'none offered'}`].filter((part): part is string => typeof part === 'string');
  const reasons = [...new Set([limits, pause, bridge].flatMap((capability) => (capability.ok ? [] : [capability.reason])))].join('\n');
  return { text: parts.join(' · '), reasons };
}

/** The words of the Stats tab's source note: where the numbers come from when it is not the cgroup. */
export const PROC_STATS_NOTE = 'from /proc: CPU, RSS, process count (no cgroup)';
