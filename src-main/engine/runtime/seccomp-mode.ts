// Which seccomp filter a container's options ask for, by name — what inspect and the
// container list show. Apart from seccomp-profile.ts (the profiles themselves, the default
// one a 15 KB table) so that reading records loads no profile.
import { createHash } from 'node:crypto';
import type { SeccompMode } from '@shared/api/types/containers';

/** The option value that turns the filter off (`--security-opt seccomp=unconfined`). */
export const SECCOMP_UNCONFINED = 'unconfined';

/** How inspect names a container's filter: the default, none, or the user's (by its text's sha256). */
export function seccompMode(options: { seccompProfile?: string; privileged?: boolean }): SeccompMode {
  if (options.privileged === true || options.seccompProfile === SECCOMP_UNCONFINED) return { mode: 'unconfined' };
  if (options.seccompProfile === undefined) return { mode: 'default' };
  return { mode: 'custom', sha256: createHash('sha256').update(options.seccompProfile).digest('hex') };
}
