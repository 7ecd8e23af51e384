// A client for one repository on one registry (Distribution API v2): finds the scheme
// (plain HTTP for a registry on this machine, HTTPS elsewhere, HTTPS without certificate
// checks then HTTP when told `insecure`), authenticates as each 401 asks, and maps the
// registry's answers onto Strata's error codes.
import { StrataError } from '@shared/errors';
import { type Challenge, type Credentials, basicAuthorization, fetchBearerToken, parseChallenges } from './auth';
import { type HttpResponse, httpRequest, readBody } from './http';
import { type PullReference, isLocalEndpoint } from './reference';

export interface RegistryClientOptions {
  /** HTTP allowed and TLS certificates not checked, for a registry that is not on this machine. */
  insecure?: boolean;
  credentials?: Credentials;
  signal?: AbortSignal;
}

const ERROR_BODY_LIMIT = 64 << 10;

export class RegistryClient {
  private base?: URL;
  private authorization?: string;

  constructor(
    readonly ref: PullReference,
    private readonly options: RegistryClientOptions = {},
  ) {}

  /** The registry's base URL (`http://127.0.0.1:5000/`) once a /v2/ ping has answered. */
  async baseUrl(): Promise<URL> {
    if (this.base) return this.base;
    const { endpoint } = this.ref;
    const schemes = isLocalEndpoint(endpoint) ? ['http'] : this.options.insecure ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${endpoint}/`);
      try {
        // Any HTTP answer will do (200, or 401 with a challenge): it is a server that speaks this scheme.
        const ping = await httpRequest(new URL('/v2/', base), { signal: this.options.signal, insecureTls: this.options.insecure });
        ping.body.resume();
        this.base = base;
        return base;
      } catch (error) {
        if (!(error instanceof StrataError) || error.code !== 'UNAVAILABLE') throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** GET /v2/<repository>/<subpath>: a 2xx answer, or the registry's refusal as a StrataError. */
  async get(subpath: string, what: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const url = new URL(`/v2/${this.ref.repository}/${subpath}`, await this.baseUrl());
    let response = await this.send(url, headers);
    if (response.status === 401) {
      const challenges = parseChallenges(response.headers['www-authenticate']);
      response.body.resume();
      await this.authenticate(challenges, what);
      response = await this.send(url, headers);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw await this.refusal(response, what);
  }

  private send(url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    return httpRequest(url, {
      headers: this.authorization ? { ...headers, authorization: this.authorization } : headers,
      signal: this.options.signal,
      insecureTls: this.options.insecure,
    });
  }

  private async authenticate(challenges: Challenge[], what: string): Promise<void> {
    const { credentials } = this.options;
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer) {
      this.authorization = await fetchBearerToken({
        challenge: bearer,
        defaultScope: `repository:${this.ref.repository}:pull`,
        credentials,
        insecureTls: this.options.insecure,
        signal: this.options.signal,
        mayShowCredentials: (url) => this.mayShowCredentials(url),
      });
      return;
    }
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      if (!credentials) throw new StrataError('UNAUTHORIZED', `${this.ref.registry} needs credentials for ${what}`);
      if (!this.mayShowCredentials(this.base!)) throw new StrataError('UNAUTHORIZED', `not sending credentials over plain HTTP to ${this.ref.registry}; pull with --tls-verify=false if you mean to`);
      this.authorization = basicAuthorization(credentials);
      return;
    }
    const offered = challenges.map((challenge) => challenge.scheme).join(', ') || 'no WWW-Authenticate challenge';
    throw new StrataError('UNAUTHORIZED', `${this.ref.registry} refused ${what} (HTTP 401; it asks for ${offered})`);
  }

  private mayShowCredentials(url: URL): boolean {
    return url.protocol === 'https:' || Boolean(this.options.insecure) || isLocalEndpoint(url.host);
  }

  /** The registry's error answer (`{"errors":[{"code","message"}]}`) as a StrataError. */
  private async refusal(response: HttpResponse, what: string): Promise<StrataError> {
    let detail = '';
    try {
      const body = JSON.parse((await readBody(response, ERROR_BODY_LIMIT, 'error answer', this.options.signal)).toString()) as { errors?: { code?: string; message?: string }[] };
      detail = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch (error) {
      if (error instanceof StrataError && error.code === 'CANCELLED') return error;
      // not JSON: the status says enough
    }
    const said = detail ? ` (${detail})` : '';
    const { status } = response;
    if (status === 404) return new StrataError('NOT_FOUND', `${what}: not found on ${this.ref.registry}${said}`);
    if (status === 401 || status === 403) {
      const hint = this.options.credentials ? '' : ': the repository does not exist, or it needs credentials';
      return new StrataError('UNAUTHORIZED', `${what}: access denied by ${this.ref.registry}${said}${hint}`);
    }
    if (status === 429) return new StrataError('UNAVAILABLE', `${what}: ${this.ref.registry} is rate-limiting pulls, try again later${said}`);
    return new StrataError('UNAVAILABLE', `${what}: ${this.ref.registry} answered HTTP ${status}${said}`);
  }
}
