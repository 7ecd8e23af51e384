// Image names as people type them: `busybox`, `busybox:1.36`, `registry:5000/team/app:v2`.
// Stored fully tagged (`busybox:latest`); unqualified names stay unqualified, as local imports.
import { StrataError } from '@shared/errors';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A host name or a bracketed IPv6 address (`[::1]:5000`, as Docker's reference grammar has it), then an optional port. */
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export interface Reference {
  name: string;
  tag: string;
}

export function parseReference(input: string): Reference {
  const bad = (why: string) => new StrataError('INVALID_ARGUMENT', `invalid image name ${JSON.stringify(input)}: ${why}`);
  if (input.length === 0 || input.length > 255) throw bad('must be 1 to 255 characters');
  if (input.includes('@')) throw bad('digest references name an image, use them to look one up, not as a tag');
  const slash = input.lastIndexOf('/');
  const colon = input.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? input.slice(0, colon) : input;
  const tag = hasTag ? input.slice(colon + 1) : 'latest';
  if (!TAG.test(tag)) throw bad('a tag is letters, digits, _ . - (at most 128, not starting with . or -)');
  const parts = name.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) throw bad(`bad registry host ${JSON.stringify(first)}`);
  for (const part of hasDomain ? parts.slice(1) : parts) {
    if (!COMPONENT.test(part)) throw bad('path components are lowercase letters and digits, separated by . _ __ or -');
  }
  return { name, tag };
}

export function formatReference(ref: Reference): string {
  return `${ref.name}:${ref.tag}`;
}

/** `busybox` → `busybox:latest`; throws INVALID_ARGUMENT for malformed names. */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** A repository without a tag (`team/app`, `localhost:5000/app`): what an OCI layout's ref names are tags of. */
export function parseRepository(input: string): string {
  const { name } = parseReference(input);
  if (name !== input) throw new StrataError('INVALID_ARGUMENT', `invalid repository ${JSON.stringify(input)}: a repository has no tag (the layout's ref names are the tags)`);
  return name;
}
