// v2 pids controller: pids.max / pids.current / pids.events are the same files, in the
// same format, as on v1 — one implementation serves both (v1/pids.ts).
export { pidsStats, readPids } from '../v1/pids';
export type { PidsStats } from '../v1/pids';
