// The built renderer (out/renderer) as static files: GET and HEAD only, paths confined to
// the root (no `..`, no dot-files, no symlink out of it), known content types, and the
// security headers on every answer.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file under `root` that a URL path names ('/' is index.html), or undefined when the
 * path is malformed, leaves the root, or names a dot-file. Lexical only: serveStatic also
 * checks where symlinks lead.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined; // a malformed %-escape
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment.startsWith('.'))) return undefined; // `..` included
  const file = path.join(root, ...(segments.length > 0 ? segments : ['index.html']));
  return file.startsWith(path.join(root, path.sep)) ? file : undefined;
}

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Answers one request from the files under `root`. */
export async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return sendText(response, 405, 'only GET and HEAD are served here', { ...headers, Allow: 'GET, HEAD' });
  }
  const urlPath = new URL(request.url ?? '/', 'http://host').pathname;
  const file = resolveStaticPath(root, urlPath);
  if (!file) return sendText(response, 404, 'not found', headers);
  let stat: fs.Stats;
  try {
    // The real path, so a symlink inside the root cannot lead out of it.
    const [realRoot, realFile] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(file)]);
    if (!realFile.startsWith(path.join(realRoot, path.sep))) return sendText(response, 404, 'not found', headers);
    stat = await fs.promises.stat(realFile);
  } catch {
    const missingApp = urlPath === '/' || urlPath === '/index.html';
    return sendText(response, 404, missingApp ? `the renderer is not built (${file} is missing): run \`npx electron-vite build\`` : 'not found', headers);
  }
  if (!stat.isFile()) return sendText(response, 404, 'not found', headers);
  response.writeHead(200, { ...headers, 'Content-Type': contentTypeOf(file), 'Content-Length': String(stat.size) });
  if (request.method === 'HEAD') return void response.end();
  await pipeline(fs.createReadStream(file), response).catch(() => response.destroy());
}

export function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
  response.end(body);
}
