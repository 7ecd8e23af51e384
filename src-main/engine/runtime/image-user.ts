// The `User` of an image or of `--user`, resolved against the image's own /etc/passwd and
// /etc/group as Docker resolves it: names become ids, numeric ids need no entry, and a
// user named without a group gets the groups that list it as supplementary groups.
import { StrataError } from '@shared/errors';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The image's files resolveUser reads: a caller off the event loop reads them first (containers/rootfs.ts). */
export const USER_FILES = { passwd: '/etc/passwd', group: '/etc/group' } as const;

/** Kernel ids are 32-bit, but the mature runtimes refuse anything past 2^31 - 1. */
const MAX_ID = 2 ** 31 - 1;

/**
 * Resolves `name`, `uid`, `name:group`, `uid:gid`, `name:gid` or `uid:group`. Empty or
 * undefined means root. A name the image does not list is NOT_FOUND (Docker's wording); a
 * malformed spec or an id out of range is INVALID_ARGUMENT; unknown numeric ids are fine.
 */
export function resolveUser(spec: string | undefined, readImageFile: (absPath: string) => Buffer | undefined): ResolvedUser {
  const text = spec ?? '';
  if (/\s/.test(text) || text.split(':').length > 2) {
    throw new StrataError('INVALID_ARGUMENT', `user ${JSON.stringify(text)}: expected user[:group], a name or a numeric id each`);
  }
  const [userPart = '', groupPart = ''] = text.split(':');
  const passwd = parsePasswd(readImageFile(USER_FILES.passwd));

  // Empty means root, with root's entry when the image has one (home, groups).
  const userArg = userPart === '' ? '0' : userPart;
  const uidArg = numericId(userArg, 'user');
  const entry = passwd.find((e) => e.name === userArg || (uidArg !== undefined && e.uid === uidArg));
  if (entry === undefined && uidArg === undefined) {
    throw new StrataError('NOT_FOUND', `unable to find user ${userArg}: no matching entries in passwd file`);
  }
  const uid = entry?.uid ?? uidArg!;
  let gid = entry?.gid ?? 0;
  const home = entry?.home || (uid === 0 && userPart === '' ? '/root' : '/');

  const groups = parseGroup(readImageFile(USER_FILES.group));
  let additionalGids: number[] = [];
  if (groupPart !== '') {
    // An explicit group replaces the primary group; supplementary groups are then not added.
    const gidArg = numericId(groupPart, 'group');
    const group = groups.find((g) => g.name === groupPart || (gidArg !== undefined && g.gid === gidArg));
    if (group === undefined && gidArg === undefined) {
      throw new StrataError('NOT_FOUND', `unable to find group ${groupPart}: no matching entries in group file`);
    }
    gid = group?.gid ?? gidArg!;
  } else if (entry !== undefined) {
    const member = groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
    additionalGids = [...new Set(member)].filter((g) => g !== gid);
  }
  return { uid, gid, additionalGids, home };
}

/** A decimal id in range, or undefined when the text is not a number (then it is a name). */
function numericId(text: string, what: 'user' | 'group'): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const id = Number(text);
  if (id > MAX_ID) throw new StrataError('INVALID_ARGUMENT', `${what} id ${text} is out of range (0 to ${MAX_ID})`);
  return id;
}

/** Lines of a colon-separated file, without blank lines and comments. */
function records(file: Buffer | undefined): string[][] {
  if (file === undefined) return [];
  return file
    .toString('utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => line.split(':'));
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const id = Number(text.trim());
  return id <= MAX_ID ? id : undefined;
}

/** name:password:uid:gid:gecos:home:shell — a line without a name or a valid uid is skipped. */
function parsePasswd(file: Buffer | undefined): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const [name = '', , uidText, gidText, , home = ''] of records(file)) {
    const uid = parseId(uidText);
    if (name === '' || uid === undefined) continue;
    entries.push({ name, uid, gid: parseId(gidText) ?? 0, home });
  }
  return entries;
}

/** name:password:gid:member,member — a line without a name or a valid gid is skipped. */
function parseGroup(file: Buffer | undefined): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const [name = '', , gidText, memberText = ''] of records(file)) {
    const gid = parseId(gidText);
    if (name === '' || gid === undefined) continue;
    const members = memberText
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    entries.push({ name, gid, members });
  }
  return entries;
}
