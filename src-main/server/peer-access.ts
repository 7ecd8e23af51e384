// Who may use the system engine's socket: root, and members of its group (`strata`). The
// kernel says who connected (SO_PEERCRED, SO_PEERGROUPS: the peer's uid, primary group and
// supplementary groups when it called connect()); this file turns that into a verdict and,
// for a refusal, the message that says how to get in (connections/access-denied.ts).
// Membership is what the login session carries, so a user added to the group is admitted
// from their next login on.
import fs from 'node:fs';
import type { PeerCredentials } from '../../native/lib/index';
import { colonEntries, permissionDeniedMessage, userName } from '../connections/access-denied';
import { StrataError } from '@shared/errors';

export interface SocketGroup {
  name: string;
  gid: number;
}

export type PeerVerdict = { ok: true } | { ok: false; message: string };

/** The group's gid from the group file; refuses to guess when the group is not there. */
export function lookupGroup(name: string, groupFile = '/etc/group'): SocketGroup {
  const entry = colonEntries(groupFile).find((fields) => fields[0] === name);
  const gid = entry ? Number(entry[2]) : NaN;
  if (!Number.isInteger(gid)) {
    throw new StrataError('NOT_FOUND', `there is no group ${JSON.stringify(name)} (in ${groupFile}): run \`sudo strata system install\` to create it, or pass --group NAME`);
  }
  return { name, gid };
}

/** The supplementary groups of a running process, for kernels without SO_PEERGROUPS. */
function processGroups(pid: number): number[] {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((text) => text.startsWith('Groups:'));
    return (line ?? '').slice('Groups:'.length).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Root, or a member of the group (primary or supplementary): in. Anyone else: why not, and
 * how to join. Without a group (the rootless engine) only uid 0 — there, the engine's own
 * user as its user namespace sees them; everyone else shows as unmapped (65534).
 */
export function checkPeer(peer: PeerCredentials, group: SocketGroup | undefined, files: { passwd?: string; group?: string } = {}): PeerVerdict {
  if (peer.uid === 0) return { ok: true };
  if (!group) return { ok: false, message: 'this is another user\'s rootless Strata engine: only its own user may use it' };
  if (peer.gid === group.gid) return { ok: true };
  const groups = peer.groups ?? processGroups(peer.pid);
  if (groups.includes(group.gid)) return { ok: true };
  return { ok: false, message: permissionDeniedMessage({ uid: peer.uid, user: userName(peer.uid, files.passwd), group: group.name, groupFile: files.group }) };
}
