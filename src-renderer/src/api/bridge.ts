// What the Electron preload exposes (window.strata), or undefined in a plain browser
// (the renderer served by `strata serve`); and the typed API client over whichever
// transport this page has: the preload's IPC in the window, the page's own WebSocket
// (token from the URL) in a browser.
import { type ApiClient, createClient } from '../../../src-main/api/client';
import { pageSocketUrl, webSocketTransport } from '../../../src-main/api/ws-transport';
import type { StrataPreloadApi } from '../../../src-main/shared/preload-api';

export const bridge: StrataPreloadApi | undefined = window.strata;

export const api: ApiClient = createClient(window.strata ?? webSocketTransport(pageSocketUrl(window.location)));
