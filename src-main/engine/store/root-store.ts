// The store of the host's root when none is named: the system engine's and root's CLI's.
// A module of its own so that the CLI can compare it with what a running system engine
// serves (connections/served-store.ts) without loading the engine.
export const ROOT_STORE = '/var/lib/strata';
