// Registry authentication (Distribution's token spec and RFC 7235): a 401 carries a
// `WWW-Authenticate` challenge. `Bearer realm=…,service=…,scope=…` → ask the realm for a
// token (anonymously, or with Basic credentials when given) and send it as
// `Authorization: Bearer`; `Basic realm=…` → send the credentials themselves.
import { StrataError } from '@shared/errors';
import { type HttpResponse, httpRequest, readBody } from './http';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (one header or several): a scheme, then `name=value` or
 * `name="quoted \"value\""` pairs separated by commas; a bare token starts the next challenge.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  for (const text of Array.isArray(header) ? header : header ? [header] : []) {
    let i = 0;
    let current: Challenge | undefined;
    const skip = (pattern: RegExp) => {
      while (i < text.length && pattern.test(text[i]!)) i++;
    };
    while (i < text.length) {
      skip(/[\s,]/);
      const start = i;
      skip(/[^\s,=]/);
      const token = text.slice(start, i);
      if (!token) break;
      skip(/\s/);
      if (text[i] !== '=') {
        current = { scheme: token.toLowerCase(), params: {} };
        challenges.push(current);
        continue;
      }
      i++; // '='
      skip(/\s/);
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i++];
        }
        i++; // closing quote
      } else {
        const valueStart = i;
        skip(/[^\s,]/);
        value = text.slice(valueStart, i);
      }
      if (current) current.params[token.toLowerCase()] = value;
    }
  }
  return challenges;
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

export interface TokenRequest {
  challenge: Challenge;
  /** Used when the challenge names no scope (the /v2/ ping's): `repository:library/busybox:pull`. */
  defaultScope: string;
  credentials?: Credentials;
  insecureTls?: boolean;
  signal?: AbortSignal;
  /** May Basic credentials go to this realm (https, or a registry the user called insecure or local)? */
  mayShowCredentials: (realm: URL) => boolean;
}

const TOKEN_LIMIT = 1 << 20;

/** A Bearer token from the challenge's realm: `Authorization` header value. */
export async function fetchBearerToken(request: TokenRequest): Promise<string> {
  const { challenge } = request;
  let realm: URL;
  try {
    realm = new URL(challenge.params.realm ?? '');
  } catch {
    throw new StrataError('UNAVAILABLE', `the registry asked for a token from an invalid realm ${JSON.stringify(challenge.params.realm ?? '')}`);
  }
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new StrataError('UNAVAILABLE', `the registry's token realm ${realm.href} is not an http(s) URL`);
  if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
  for (const scope of (challenge.params.scope ?? request.defaultScope).split(' ').filter(Boolean)) realm.searchParams.append('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.credentials) {
    if (!request.mayShowCredentials(realm)) throw new StrataError('UNAUTHORIZED', `not sending credentials over plain HTTP to ${realm.host}; pull with --tls-verify=false if you mean to`);
    headers.authorization = basicAuthorization(request.credentials);
  }
  const response: HttpResponse = await httpRequest(realm, { headers, signal: request.signal, insecureTls: request.insecureTls });
  if (response.status === 401 || response.status === 403) {
    response.body.resume();
    throw new StrataError('UNAUTHORIZED', `${realm.host} refused ${request.credentials ? 'the credentials' : 'an anonymous token'} (HTTP ${response.status})`);
  }
  if (response.status !== 200) {
    response.body.resume();
    throw new StrataError('UNAVAILABLE', `token server ${realm.host} answered HTTP ${response.status}`);
  }
  const bytes = await readBody(response, TOKEN_LIMIT, `token from ${realm.host}`, request.signal);
  let answer: { token?: unknown; access_token?: unknown };
  try {
    answer = JSON.parse(bytes.toString()) as typeof answer;
  } catch {
    throw new StrataError('UNAVAILABLE', `token server ${realm.host} did not answer JSON`);
  }
  const token = typeof answer.token === 'string' && answer.token ? answer.token : answer.access_token;
  if (typeof token !== 'string' || !token || /[\r\n]/.test(token)) throw new StrataError('UNAVAILABLE', `token server ${realm.host} gave no token`);
  return `Bearer ${token}`;
}
