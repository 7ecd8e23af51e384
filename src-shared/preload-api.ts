// What the preload exposes to the renderer as `window.strata` (contextBridge). Runs anywhere:
// no node:, electron or native imports.
import type { Transport } from './api/protocol';

/** What the system's open dialog is asked for. */
export interface PickPathOptions {
  kind: 'file' | 'directory';
  /** The dialog's title, e.g. "Choose the build context". */
  title: string;
}

/**
 * The typed API's transport (invoke a method, subscribe to an event; see
 * src-main/api/protocol.ts) — the renderer's client wraps it — plus two facts for the title,
 * and the system's file dialog.
 */
export interface StrataPreloadApi extends Transport {
  /** The app's version (package.json). */
  readonly version: string;
  /** Node's `process.platform` of the main process, e.g. "linux". */
  readonly platform: string;
  /**
   * The system's open dialog over the app's window, for one file or one directory: the
   * absolute path chosen, or undefined when the user cancels. The window's own engine runs
   * on this machine, so the path is one the engine can read.
   */
  pickPath(options: PickPathOptions): Promise<string | undefined>;
}

/** The global name the preload exposes the API under. */
export const PRELOAD_API_KEY = 'strata';
