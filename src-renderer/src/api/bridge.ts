// What the Electron preload exposes (window.strata), or undefined in a plain browser
// (the renderer served by `strata serve`); and the typed API client over whichever
// transport this page has: the preload's IPC in the window, the page's own WebSocket
// (token from the URL) in a browser.
import { type ApiClient, createClient } from '@shared/api/client';
import { pageSocketUrl, webSocketTransport } from '@shared/api/ws-transport';
import type { StrataPreloadApi } from '@shared/preload-api';

export const bridge: StrataPreloadApi | undefined = window.strata;

/**
 * The system's open dialog for a path (Electron's window only): undefined in a browser,
 * where paths are typed (a web page cannot learn a file's path).
 */
export const pickPath: StrataPreloadApi['pickPath'] | undefined = typeof bridge?.pickPath === 'function' ? (options) => bridge!.pickPath(options) : undefined;

export const api: ApiClient = createClient(window.strata ?? webSocketTransport(pageSocketUrl(window.location)));
