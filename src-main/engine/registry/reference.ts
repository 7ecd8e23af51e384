// What a pull names: `busybox` → Docker Hub (registry-1.docker.io), repository
// `library/busybox`, tag `latest`; `localhost:5000/team/app@sha256:…` → that registry,
// `team/app`, that digest. The name part is checked by images/reference.ts, as every tag is.
import { StrataError } from '@shared/errors';
import { parseReference } from '../images/reference';

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_ENDPOINT]);
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface PullReference {
  /** The registry as people name it: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  registry: string;
  /** Where its API answers (host[:port]): `registry-1.docker.io` for Docker Hub. */
  endpoint: string;
  /** The repository on that registry: `library/busybox`, `team/app`. */
  repository: string;
  /** Absent only for a pull by digest alone. */
  tag?: string;
  digest?: string;
  /** The local name it is tagged under, as Docker spells it: `busybox`, `user/app`, `localhost:5000/team/app`. */
  localName: string;
  /** The full name for messages: `docker.io/library/busybox:latest`. */
  canonical: string;
}

export function parsePullReference(input: string): PullReference {
  const bad = (why: string) => new StrataError('INVALID_ARGUMENT', `invalid image reference ${JSON.stringify(input)}: ${why}`);
  const at = input.indexOf('@');
  const namePart = at < 0 ? input : input.slice(0, at);
  const digest = at < 0 ? undefined : input.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) throw bad('a digest is sha256: and 64 lowercase hex digits');
  const explicitTag = namePart.lastIndexOf(':') > namePart.lastIndexOf('/');
  const { name, tag } = parseReference(namePart); // INVALID_ARGUMENT for malformed names, tags and hosts

  const parts = name.split('/');
  const first = parts[0]!;
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasDomain ? first : DOCKER_HUB;
  let repository = hasDomain ? parts.slice(1).join('/') : name;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const hub = registry === DOCKER_HUB;
  const localName = hub ? repository.replace(/^library\/(?=[^/]+$)/, '') : `${registry}/${repository}`;
  const finalTag = explicitTag || digest === undefined ? tag : undefined;
  const canonical = `${registry}/${repository}${finalTag ? `:${finalTag}` : ''}${digest ? `@${digest}` : ''}`;
  return {
    registry,
    endpoint: hub ? DOCKER_HUB_ENDPOINT : registry,
    repository,
    ...(finalTag ? { tag: finalTag } : {}),
    ...(digest ? { digest } : {}),
    localName,
    canonical,
  };
}

/** The host part of `endpoint`, without port or IPv6 brackets. */
export function endpointHost(endpoint: string): string {
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  const colon = endpoint.lastIndexOf(':');
  return colon < 0 ? endpoint : endpoint.slice(0, colon);
}

/** localhost, 127.0.0.1 and ::1 are spoken to over plain HTTP (a registry on this machine). */
export function isLocalEndpoint(endpoint: string): boolean {
  const host = endpointHost(endpoint).toLowerCase();
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}
