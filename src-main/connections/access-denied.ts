// What a user who may not use the system engine is told, by whichever side finds out
// first: the client, when the kernel refuses to open the socket (root:strata 0660: EACCES
// for everyone else), or the service, when a connection gets through but the peer's
// credentials are not root's or a member's (server/peer-access.ts). One wording, which says
// how to get in — and tells apart the user who was added to the group but whose login
// session began before (the group file lists them; their session's groups do not).
import fs from 'node:fs';
import { StrataError } from '@shared/errors';

/** The text of a colon-separated system file (/etc/group, /etc/passwd): one line per entry, split. */
function entriesOf(text: string): string[][] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(':'));
}

/** One line per entry of a colon-separated system file, split; none if it cannot be read. */
export function colonEntries(file: string): string[][] {
  try {
    return entriesOf(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

const nameOf = (entries: string[][], uid: number): string | undefined => entries.find((fields) => Number(fields[2]) === uid)?.[0];

/** The user name of `uid` from the passwd file, if it has one. */
export function userName(uid: number, passwdFile = '/etc/passwd'): string | undefined {
  return nameOf(colonEntries(passwdFile), uid);
}

/** userName, read without blocking (for the API, whose callers wait on it). */
export async function readUserName(uid: number, passwdFile = '/etc/passwd'): Promise<string | undefined> {
  return nameOf(entriesOf(await fs.promises.readFile(passwdFile, 'utf8').catch(() => '')), uid);
}

/** The name of group `gid`, if the group file has it. */
export function groupName(gid: number, groupFile = '/etc/group'): string | undefined {
  return colonEntries(groupFile).find((fields) => Number(fields[2]) === gid)?.[0];
}

/** Whether the group file lists `user` as a member of `group` (what `usermod -aG` writes). */
export function listedMember(user: string, group: string, groupFile = '/etc/group'): boolean {
  const entry = colonEntries(groupFile).find((fields) => fields[0] === group);
  return (entry?.[3] ?? '').split(',').includes(user);
}

export interface Refused {
  uid: number;
  /** The user's name, when known. */
  user?: string;
  /** The group that would let them in. */
  group: string;
  groupFile?: string;
}

/** The message: who, why, and the command that lets them in. */
export function permissionDeniedMessage({ uid, user, group, groupFile }: Refused): string {
  const who = `you (uid ${uid}${user ? `, user ${user}` : ''})`;
  if (user && listedMember(user, group, groupFile)) {
    return `${who} joined group ${group} after this login session began: log out and in again (or run \`newgrp ${group}\`) to use the Strata system engine`;
  }
  return `${who} are not in group ${group}, whose members may use the Strata system engine: ask an admin to run \`sudo usermod -aG ${group} ${user ?? '<your user name>'}\`, then log in again`;
}

/** The client's side: the socket at `socketPath` could not be opened (EACCES); whose group would have opened it. */
export function socketAccessDenied(socketPath: string): StrataError {
  const uid = process.getuid?.() ?? -1;
  let group: string | undefined;
  try {
    const stat = fs.statSync(socketPath);
    group = groupName(stat.gid) ?? `with gid ${stat.gid}`;
  } catch {
    group = undefined;
  }
  const message = group
    ? `${permissionDeniedMessage({ uid, user: userName(uid), group })} (cannot open ${socketPath})`
    : `you (uid ${uid}) may not open ${socketPath}`;
  return new StrataError('PERMISSION_DENIED', message);
}
