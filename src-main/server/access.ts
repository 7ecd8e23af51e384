// Who may use the API of `strata serve`. The server listens on loopback only; on top:
//  - a random token, printed with the URL (as Jupyter does): every WebSocket must carry it;
//  - the browser's Origin, when sent, must be the page's own origin — another site open in
//    the same browser cannot drive the engine (cross-site WebSocket hijacking);
//  - the Host must be a loopback name, so a DNS-rebound name pointing at 127.0.0.1 gets
//    nothing either. Through an SSH tunnel the browser says `localhost:<tunnel port>`: fine.
// Clients that are not browsers send no Origin; the token alone admits them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_PARAM } from '@shared/api/protocol';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison (hashes make the lengths equal). */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** Whether a Host header names this machine's loopback: `127.0.0.1:8080`, `localhost`, `[::1]:80`. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  try {
    return LOOPBACK_NAMES.has(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** The checks of a WebSocket upgrade request, in order: host, origin, token. */
export function checkSocketRequest(request: { host?: string; origin?: string; url?: string }, token: string): Verdict {
  if (!isLoopbackHost(request.host)) return { ok: false, status: 403, reason: 'this server answers only to loopback host names' };
  if (request.origin !== undefined && request.origin !== `http://${request.host}`) {
    return { ok: false, status: 403, reason: `origin ${request.origin} is not this server's` };
  }
  const given = new URL(request.url ?? '/', 'http://host').searchParams.get(TOKEN_PARAM);
  if (!tokenMatches(token, given)) return { ok: false, status: 401, reason: given ? 'wrong token' : 'missing token' };
  return { ok: true };
}
