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

/** What the engine behind the connection can do, from its system.info. */
export function capabilityLabel(info: SystemInfo | undefined): string | undefined {
  if (!info) return undefined;
  if (info.rootless) return `Runs as user ${info.uid}: images and layers only`;
  if (info.privilege === 'rootless') return 'Rootless (your own user namespace): containers without limits or a bridge network';
  return 'Runs as root: containers, images, builds';
}
