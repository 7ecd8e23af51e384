// TODO(stats): the live stats sampler (src-main/engine/stats) is being written separately.
// When it lands, replace this placeholder with its sample type (import it as a type only
// if its file is free of node: imports, else mirror it here and pin it in ../conformance.ts),
// and publish batches from src-main/api/dispatch.ts (see the stats spot there).
export type StatsSample = unknown;
