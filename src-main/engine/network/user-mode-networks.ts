// The rootless engine's two user-mode networks, slirp4netns and pasta: each is a program
// (Debian's `slirp4netns`, `passt`) the engine finds on its PATH, and "chosen by what is
// installed" is decided here, once — for the default network, for the refusal of one that
// is missing, and for what system.info offers.
import type { UserModeNetwork } from '@shared/network-modes';
import { StrataError } from '@shared/errors';
import { findOnPath } from '../rootless/host-program';

/**
 * In the order the default is chosen: slirp4netns first, as it was the rootless engine's
 * only network before pasta (a host with both keeps what its containers had), then pasta.
 */
export const USER_MODE_NETWORKS: readonly UserModeNetwork[] = ['slirp4netns', 'pasta'];

/** The program each runs (on PATH), and the Debian package that installs it. */
const PROGRAMS: Record<UserModeNetwork, { program: string; package: string }> = {
  slirp4netns: { program: 'slirp4netns', package: 'slirp4netns' },
  pasta: { program: 'pasta', package: 'passt' },
};

/** The user-mode networks whose program is installed, in the default's order. */
export function installedUserModeNetworks(): UserModeNetwork[] {
  return USER_MODE_NETWORKS.filter((mode) => findOnPath(PROGRAMS[mode].program) !== undefined);
}

/** The rootless engine's default network: the first installed; slirp4netns when neither is (its check then refuses, naming both packages). */
export function defaultUserModeNetwork(): UserModeNetwork {
  return installedUserModeNetworks()[0] ?? USER_MODE_NETWORKS[0]!;
}

/**
 * The program of `mode` on PATH, or UNSUPPORTED saying what to install (the Debian
 * package) and what else this engine has: checked before anything is made.
 */
export function userModeProgram(mode: UserModeNetwork): string {
  const found = findOnPath(PROGRAMS[mode].program);
  if (found) return found;
  const others = installedUserModeNetworks();
  if (others.length === 0) {
    const packages = USER_MODE_NETWORKS.map((each) => PROGRAMS[each].package).join(' and ');
    throw new StrataError(
      'UNSUPPORTED',
      `network: the rootless engine's network needs ${USER_MODE_NETWORKS.join(' or ')}, and neither is installed (Debian packages ${packages}): install one, or use --network none or --network host`,
    );
  }
  throw new StrataError(
    'UNSUPPORTED',
    `network: --network ${mode} needs ${PROGRAMS[mode].program}, which is not installed (Debian package ${PROGRAMS[mode].package}): install it, or use --network ${others[0]} (installed), none or host`,
  );
}
