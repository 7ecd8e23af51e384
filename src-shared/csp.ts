// The Content-Security-Policy the renderer runs under, wherever it is served: the Electron
// window sets it as a header, `strata serve` sends it, index.html carries it in a <meta>
// (the build refuses an index.html whose <meta> differs).

/** The one policy the renderer runs under; index.html carries the same one in a <meta>. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws://127.0.0.1:*",
].join('; ');
