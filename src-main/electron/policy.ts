// The renderer's policy as plain data and pure checks (no electron import, so it is
// unit-testable under plain Node): where the app lives (app://strata, or the dev server), which URLs are web links, what an
// open-dialog request may ask. The CSP itself is src-shared/csp.ts (the server sends it too).
import type { PickPathOptions } from '@shared/preload-api';
import { APP_HOST, APP_SCHEME } from './app-protocol';

/**
 * Where the renderer comes from: the dev server in `electron-vite dev`, else the built
 * renderer over the app's own scheme (app://strata/index.html, app-protocol.ts).
 */
export type AppLocation = { kind: 'url'; url: string } | { kind: 'app' };

/**
 * Whether `url` is the app itself (and so may be navigated to, and may call the API) rather
 * than anything else: the dev server's origin, or the one page of app://strata — any query
 * or #fragment, but no other path and never file://.
 */
export function isAppUrl(url: string, location: AppLocation): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (location.kind === 'url') return target.origin === new URL(location.url).origin;
  // Node's URL gives a custom scheme the origin "null": compare its parts instead.
  return target.protocol === `${APP_SCHEME}:` && target.host === APP_HOST && target.username === '' && target.password === '' && (target.pathname === '/index.html' || target.pathname === '/');
}

/** The renderer's request for the open dialog, if well formed: a kind it knows and a short title. */
export function pickPathOptions(value: unknown): PickPathOptions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, title } = value as Record<string, unknown>;
  if ((kind !== 'file' && kind !== 'directory') || typeof title !== 'string' || title.length > 200) return undefined;
  return { kind, title };
}

/** The URL if it is an http(s) link a browser should open, else undefined. */
export function webLink(url: string): URL | undefined {
  try {
    const target = new URL(url);
    return target.protocol === 'http:' || target.protocol === 'https:' ? target : undefined;
  } catch {
    return undefined;
  }
}
