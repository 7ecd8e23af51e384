// What the preload exposes to the renderer as `window.strata` (contextBridge). Runs anywhere:
// no node:, electron or native imports. The typed engine API joins this object later.

export interface StrataPreloadApi {
  /** The app's version (package.json). */
  readonly version: string;
  /** Node's `process.platform` of the main process, e.g. "linux". */
  readonly platform: string;
}

/** The global name the preload exposes the API under. */
export const PRELOAD_API_KEY = 'strata';
