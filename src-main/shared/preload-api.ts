// What the preload exposes to the renderer as `window.strata` (contextBridge). Runs anywhere:
// no node:, electron or native imports.
import type { Transport } from '../api/protocol';

/**
 * The typed API's transport (invoke a method, subscribe to an event; see
 * src-main/api/protocol.ts) — the renderer's client wraps it — plus two facts for the title.
 */
export interface StrataPreloadApi extends Transport {
  /** The app's version (package.json). */
  readonly version: string;
  /** Node's `process.platform` of the main process, e.g. "linux". */
  readonly platform: string;
}

/** The global name the preload exposes the API under. */
export const PRELOAD_API_KEY = 'strata';
