// The headers every page response carries: the window's Content-Security-Policy (the same
// one Electron sets, src-main/electron/policy.ts) and the usual browser hardening.
import { CONTENT_SECURITY_POLICY } from '@shared/csp';

/**
 * The window's policy plus, in connect-src, the socket of the host the page was loaded
 * from (under an SSH tunnel that is `localhost:<tunnel port>`, not 127.0.0.1), and
 * `frame-ancestors 'none'`, which only a header can carry. index.html's <meta> policy still
 * applies too; its 'self' admits the same-origin socket in today's browsers.
 */
export function pageSecurityPolicy(host: string): string {
  const directives = CONTENT_SECURITY_POLICY.split('; ').map((directive) => (directive.startsWith('connect-src ') ? `${directive} ws://${host}` : directive));
  return [...directives, "frame-ancestors 'none'"].join('; ');
}

/** `host` must already be checked (a loopback name, see access.ts). */
export function securityHeaders(host: string): Record<string, string> {
  return {
    'Content-Security-Policy': pageSecurityPolicy(host),
    'X-Content-Type-Options': 'nosniff',
    // The page's URL carries the token: never send it on as a referrer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}
