/** The host end of a container's veth pair: `sv` and the first 12 hex digits of its id (IFNAMSIZ is 16 with the NUL). */
export function hostVethName(owner: string): string {
  return `sv${owner.slice(0, 12)}`;
}
