// The one HTTP request a registry pull makes, over node:http / node:https: a GET (or HEAD)
// that follows redirects (blob storage often answers with one), drops the Authorization
// header when a redirect leaves the origin, stops on an AbortSignal, gives up on a silent
// connection, and with `insecureTls` accepts any certificate. Not the global fetch: it
// cannot turn certificate checks off for one registry without undici's Agent, which is not
// a dependency here.
import http from 'node:http';
import https from 'node:https';
import { StrataError } from '@shared/errors';

export interface HttpOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Accept any TLS certificate (`--tls-verify=false`). */
  insecureTls?: boolean;
  /** No bytes for this long: the request fails (UNAVAILABLE). */
  idleTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Where the answer came from, after redirects. */
  url: URL;
  body: http.IncomingMessage;
}

const MAX_REDIRECTS = 10;
const IDLE_TIMEOUT_MS = 60_000;
const USER_AGENT = 'strata (container manager)';

export async function httpRequest(url: URL, options: HttpOptions = {}): Promise<HttpResponse> {
  let current = url;
  let headers = { ...options.headers };
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, headers, options);
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    response.body.resume(); // discard the redirect's own body
    if (hop >= MAX_REDIRECTS) throw new StrataError('UNAVAILABLE', `${url.host}: more than ${MAX_REDIRECTS} redirects for ${url.pathname}`);
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new StrataError('UNAVAILABLE', `${url.host}: redirected to a ${next.protocol} URL`);
    if (next.origin !== current.origin) headers = withoutAuthorization(headers);
    current = next;
  }
}

function requestOnce(url: URL, headers: Record<string, string>, options: HttpOptions): Promise<HttpResponse> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: options.method ?? 'GET',
      headers: { 'user-agent': USER_AGENT, ...headers },
      ...(secure && options.insecureTls ? { rejectUnauthorized: false } : {}),
    });
    const onAbort = () => request.destroy(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    const idle = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    request.setTimeout(idle, () => request.destroy(new StrataError('UNAVAILABLE', `${url.host}: no answer for ${idle / 1000} s`)));
    request.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(describeNetworkError(error, url));
    });
    request.on('response', (body) => {
      // The body is the caller's to read; an abort meanwhile still destroys the request and so the body.
      body.once('close', () => signal?.removeEventListener('abort', onAbort));
      resolve({ status: body.statusCode ?? 0, headers: body.headers, url, body });
    });
    request.end();
  });
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

function cancelled(): StrataError {
  return new StrataError('CANCELLED', 'pull cancelled');
}

const TLS_CODES = /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

/** Network failures as UNAVAILABLE, naming the host; a certificate problem says how to accept it. */
export function describeNetworkError(error: unknown, url: URL): unknown {
  if (error instanceof StrataError) return error;
  const err = error as NodeJS.ErrnoException;
  const code = err.code ?? '';
  if (err.name === 'AbortError') return cancelled();
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(err.message)) {
    return new StrataError('UNAVAILABLE', `${url.host}: TLS failed (${err.message}); if you trust this registry, pull with --tls-verify=false (insecure)`, { cause: error });
  }
  const what = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'no such host' : err.message;
  return new StrataError('UNAVAILABLE', `${url.host}: ${what}`, { cause: error });
}

/** Reads a small body whole; larger than `limit` bytes fails with INVALID_ARCHIVE naming `what`. */
export async function readBody(response: HttpResponse, limit: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw new StrataError('INVALID_ARCHIVE', `${what} is too large (${declared} bytes, at most ${limit})`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        response.body.destroy();
        throw new StrataError('INVALID_ARCHIVE', `${what} is too large (more than ${limit} bytes)`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw describeNetworkError(error, response.url);
  }
  return Buffer.concat(chunks);
}
