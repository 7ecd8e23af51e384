// The store of the host's root when none is named: the system engine's and root's CLI's.
// A module of its own so that the CLI can compare it with what a running system engine
// serves (connections/served-store.ts) without loading the engine.
const ROOT_STORE = '/var/lib/strata';

/** The host's root's store: STRATA_ROOT's when set, else ROOT_STORE (store/paths.ts's defaultStoreRoot, for root). */
export function rootsStore(env: NodeJS.ProcessEnv = process.env): string {
  return env.STRATA_ROOT || ROOT_STORE;
}
