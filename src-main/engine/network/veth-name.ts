/** How the host end of every container's veth pair is named first. */
export const HOST_VETH_PREFIX = 'sv';

/** The host end of a container's veth pair: `sv` and the first 12 hex digits of its id (IFNAMSIZ is 16 with the NUL). */
export function hostVethName(owner: string): string {
  return `${HOST_VETH_PREFIX}${owner.slice(0, 12)}`;
}
