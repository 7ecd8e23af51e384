// Where strata-runtime keeps the state of this store's containers: under /run (a tmpfs,
// emptied at boot, as runtime state must be), one directory per store root so that
// separate stores never see each other's containers. The rootless engine is uid 0 in its
// user namespace, so it is told its directory (STRATA_RUNTIME_DIR, set by the front end
// that started it: engine/rootless/rootless-paths.ts) rather than take root's /run/strata.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { RUNTIME_DIR_ENV } from '../rootless/rootless-paths';
import { type RuntimeResult, runRuntime, runtimeFailure } from '../runtime/runtime-binary';
import { StrataError } from '@shared/errors';
import { enginePrivilege } from '../rootless/privilege';
import type { Store } from '../store/store';

export function runtimeRoot(store: Store): string {
  // A rootless engine is uid 0 in its user namespace; its state is the user's, not /run's.
  const base = process.env[RUNTIME_DIR_ENV] || (enginePrivilege() === 'root' ? '/run/strata' : path.join(process.env.XDG_RUNTIME_DIR ?? '/tmp', 'strata'));
  return path.join(base, createHash('sha256').update(store.paths.root).digest('hex').slice(0, 16));
}

/**
 * Runs a runtime verb for this store; a failure becomes a StrataError with the code the
 * runtime gave it (CONFLICT for "not running", NOT_FOUND for "no such container", …).
 */
export async function runtimeVerb(store: Store, args: string[], what: string): Promise<RuntimeResult> {
  const result = await runRuntime(args, { root: runtimeRoot(store) });
  if (result.code !== 0) {
    const failure = runtimeFailure(result.stderr, result.code);
    throw new StrataError(failure.code, `${what}: ${failure.message}`);
  }
  return result;
}
