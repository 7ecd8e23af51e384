// The app's own URL scheme, app://strata/…, serving the built renderer (out/renderer) to the
// window instead of file://. Pure (no electron import): index.ts registers the scheme and
// hands requests here, and the tests serve the same function to a real Chromium.
// Why not file://: a file:// page shares its origin with every file on the disk and gets
// Electron's extra file privileges (the GrantFileProtocolExtraPrivileges fuse, off in
// electron-builder.yml); app://strata is an origin of its own that holds nothing but the
// renderer, and every response carries the CSP header.
import fs from 'node:fs';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '@shared/csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'strata';
/** The window's page. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * What the scheme may do, registered before ready (protocol.registerSchemesAsPrivileged):
 * standard (relative URLs resolve, the page has a real origin), secure (a secure context,
 * like https), fetch allowed. Not bypassCSP: the CSP applies to it as to any page.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

/** The headers every answer carries: the one CSP (src-shared/csp.ts), and no MIME sniffing. */
function headers(contentType: string): Record<string, string> {
  return { 'Content-Type': contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
}

function refuse(status: number, text: string): Response {
  return new Response(text, { status, headers: headers('text/plain; charset=utf-8') });
}

/**
 * The file under `root` an app:// URL names, or undefined when it names none: another host,
 * a path that leaves `root` (`..`, encoded or not), a NUL or a backslash. `/` is the page.
 */
export function appFilePath(root: string, url: string): string | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  if (target.protocol !== `${APP_SCHEME}:` || target.host !== APP_HOST) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(target.pathname);
  } catch {
    return undefined; // a malformed %-escape
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const file = path.resolve(root, '.' + (pathname === '/' ? '/index.html' : pathname));
  const relative = path.relative(path.resolve(root), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? undefined : file;
}

/** Answers one request of the app:// scheme from the files under `root` (out/renderer). */
export async function serveAppRequest(root: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'only GET and HEAD');
  const file = appFilePath(root, request.url);
  if (!file) return refuse(404, 'not part of the app');
  try {
    // A symlink inside out/renderer must not lead out of it either.
    const [real, realRoot] = await Promise.all([fs.promises.realpath(file), fs.promises.realpath(root)]);
    if (path.relative(realRoot, real).startsWith('..') || !(await fs.promises.stat(real)).isFile()) return refuse(404, 'not part of the app');
    const body = request.method === 'HEAD' ? null : await fs.promises.readFile(real);
    return new Response(body, { status: 200, headers: headers(CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream') });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return refuse(404, 'no such file in the app');
    throw error;
  }
}
