// A real registry for the pull tests: Debian's `docker-registry` (CNCF Distribution 2.8)
// with a config of its own — filesystem storage in a temp dir, 127.0.0.1:<free port>,
// delete enabled, no auth (or htpasswd, or TLS) — stopped and removed by stop(). Images
// are pushed the way any client pushes (POST an upload, PUT ?digest=, PUT the manifest),
// from the busybox test images of test-images.ts. The registry's access log (stdout)
// tells which blobs were fetched.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { hostArchitecture } from '../../src-main/engine/images/oci';
import { type TestImage, imageConfig, makeTempDir, sha256Bytes } from './test-images';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

export interface RegistryOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Basic auth through an htpasswd file (bcrypt). */
  htpasswd?: { username: string; password: string };
  /** Serve HTTPS with a self-signed certificate for `host`. */
  tls?: boolean;
  /** Serve another registry's storage (pushed over its plain HTTP). */
  storage?: string;
}

export interface Blob {
  digest: string;
  size: number;
}

export interface PushedImage {
  manifestDigest: string;
  manifest: Buffer;
  mediaType: string;
  configDigest: string;
  config: Buffer;
  layers: (Blob & { diffId: string; mediaType: string })[];
}

export interface PushOptions {
  /** Config architecture; default this machine's. */
  architecture?: string;
  variant?: string;
  compression?: 'gzip' | 'none';
  /** OCI (default) or Docker schema 2 media types. */
  flavour?: 'oci' | 'docker';
}

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
}

export class TestRegistry {
  /** host:port, as a reference names it. */
  readonly address: string;
  private readonly log: string[] = [];
  private stderr = '';

  private constructor(
    readonly dir: string,
    readonly storage: string,
    readonly host: string,
    readonly port: number,
    private readonly child: ChildProcess,
    readonly options: RegistryOptions,
  ) {
    this.address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => this.log.push(...text.split('\n').filter(Boolean)));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-20_000)));
  }

  /** Why the registry cannot run here, or undefined when it can. */
  static unavailable(options: RegistryOptions = {}): string | undefined {
    if (!fs.existsSync(REGISTRY_BINARY)) return `${REGISTRY_BINARY} is missing (apt-get install docker-registry)`;
    if (options.htpasswd && bcrypt('probe') === undefined) return 'no bcrypt for an htpasswd file (neither htpasswd from apache2-utils nor python3 with the crypt module)';
    if (options.tls && spawnSync('openssl', ['version']).status !== 0) return 'openssl is missing (for a self-signed certificate)';
    return undefined;
  }

  static async start(options: RegistryOptions = {}): Promise<TestRegistry> {
    const host = options.host ?? '127.0.0.1';
    const dir = makeTempDir('registry');
    const storage = options.storage ?? path.join(dir, 'storage');
    const lines = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: "${host.includes(':') ? `[${host}]` : host}:PORT"`, // quoted: [::1] would be a YAML list
      '  secret: strata-test-secret',
    ];
    if (options.tls) {
      const cert = path.join(dir, 'cert.pem');
      const key = path.join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=IP:${host}`], { stdio: 'ignore' });
      lines.push('  tls:', `    certificate: ${cert}`, `    key: ${key}`);
    }
    if (options.htpasswd) {
      const file = path.join(dir, 'htpasswd');
      fs.writeFileSync(file, `${options.htpasswd.username}:${bcrypt(options.htpasswd.password)}\n`);
      lines.push('auth:', '  htpasswd:', '    realm: strata-test', `    path: ${file}`);
    }
    // A free port can be taken between our probe and the registry's bind: try a few.
    for (let attempt = 0; ; attempt++) {
      const port = await freePort(host);
      const config = path.join(dir, 'config.yml');
      fs.writeFileSync(config, lines.join('\n').replace(':PORT', `:${port}`) + '\n');
      const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      const registry = new TestRegistry(dir, storage, host, port, child, options);
      try {
        await registry.waitUntilReady();
        return registry;
      } catch (error) {
        await registry.stop({ keepDir: true });
        if (attempt >= 3) {
          fs.rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.address}`;
  }

  private async waitUntilReady(): Promise<void> {
    let exited = false;
    this.child.once('exit', () => (exited = true));
    for (let i = 0; i < 200; i++) {
      if (exited) throw new Error(`docker-registry exited at start:\n${this.stderr}`);
      const status = await probe(`${this.url}/v2/`).catch(() => 0);
      if (status === 200 || status === 401) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`docker-registry did not answer on ${this.url}:\n${this.stderr}`);
  }

  /** Kills the registry, waits for it to exit, removes its directory. */
  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!options.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Requests the registry has logged so far. */
  accessLog(): AccessLogEntry[] {
    const out: AccessLogEntry[] = [];
    for (const line of this.log) {
      const match = /"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP\/[\d.]+" (\d{3})/.exec(line);
      if (match) out.push({ method: match[1]!, path: match[2]!, status: Number(match[3]) });
    }
    return out;
  }

  /** Digests of the blobs fetched with a GET (answered 200 or 307) so far, in order. */
  blobGets(): string[] {
    return this.accessLog()
      .filter((entry) => entry.method === 'GET' && (entry.status === 200 || entry.status === 307))
      .map((entry) => /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(entry.path)?.[1])
      .filter((digest): digest is string => digest !== undefined);
  }

  /** Where the registry keeps a blob's bytes on disk. */
  blobFile(digest: string): string {
    const hex = digest.slice('sha256:'.length);
    return path.join(this.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  }

  private authHeaders(): Record<string, string> {
    const auth = this.options.htpasswd;
    return auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  }

  /** POST an upload, PUT it with ?digest= (one request: a monolithic upload). */
  async pushBlob(repository: string, data: Buffer): Promise<Blob> {
    const digest = sha256Bytes(data);
    const start = await request('POST', `${this.url}/v2/${repository}/blobs/uploads/`, { headers: this.authHeaders() });
    if (start.status !== 202) throw new Error(`upload start for ${repository}: HTTP ${start.status} ${start.body.toString()}`);
    const location = new URL(String(start.headers.location), this.url);
    location.searchParams.set('digest', digest);
    const put = await request('PUT', location.href, { headers: { ...this.authHeaders(), 'content-type': 'application/octet-stream' }, body: data });
    if (put.status !== 201) throw new Error(`upload of ${digest} to ${repository}: HTTP ${put.status} ${put.body.toString()}`);
    return { digest, size: data.length };
  }

  /** PUT a manifest (or index) under a tag or its digest; returns its digest. */
  async pushManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const put = await request('PUT', `${this.url}/v2/${repository}/manifests/${reference}`, { headers: { ...this.authHeaders(), 'content-type': mediaType }, body: bytes });
    if (put.status !== 201) throw new Error(`manifest ${repository}:${reference}: HTTP ${put.status} ${put.body.toString()}`);
    return sha256Bytes(bytes);
  }

  /** A test image as layers (gzip by default), its config and a manifest; tagged `reference` when given. */
  async pushImage(repository: string, reference: string | undefined, image: TestImage, options: PushOptions = {}): Promise<PushedImage> {
    const flavour = options.flavour ?? 'oci';
    const compression = options.compression ?? 'gzip';
    const parsed = JSON.parse(imageConfig(image).toString()) as Record<string, unknown>;
    parsed.architecture = options.architecture ?? hostArchitecture();
    if (options.variant) parsed.variant = options.variant;
    const config = Buffer.from(JSON.stringify(parsed));
    const configBlob = await this.pushBlob(repository, config);
    const layers: PushedImage['layers'] = [];
    for (const layer of image.layers) {
      const tar = fs.readFileSync(layer.tar);
      const data = compression === 'gzip' ? zlib.gzipSync(tar, { level: 6 }) : tar;
      const blob = await this.pushBlob(repository, data);
      const mediaType =
        flavour === 'oci'
          ? `application/vnd.oci.image.layer.v1.tar${compression === 'gzip' ? '+gzip' : ''}`
          : `application/vnd.docker.image.rootfs.diff.tar${compression === 'gzip' ? '.gzip' : ''}`;
      layers.push({ ...blob, diffId: layer.diffId, mediaType });
    }
    const mediaType = flavour === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: { mediaType: flavour === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig, ...configBlob },
        layers: layers.map(({ mediaType: type, digest, size }) => ({ mediaType: type, digest, size })),
      }),
    );
    const manifestDigest = await this.pushManifest(repository, reference ?? sha256Bytes(manifest), mediaType, manifest);
    return { manifestDigest, manifest, mediaType, configDigest: configBlob.digest, config, layers };
  }

  /** An index over images already pushed to `repository`, one entry per platform. */
  async pushIndex(repository: string, tag: string, entries: { image: PushedImage; platform: { os: string; architecture: string; variant?: string } }[], flavour: 'oci' | 'docker' = 'oci'): Promise<string> {
    const mediaType = flavour === 'oci' ? MEDIA.ociIndex : MEDIA.dockerList;
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        manifests: entries.map(({ image, platform }) => ({ mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifest.length, platform })),
      }),
    );
    return this.pushManifest(repository, tag, mediaType, index);
  }
}

/** A bcrypt hash for htpasswd: `htpasswd -nbB`, else python3's crypt module; undefined when neither works. */
function bcrypt(password: string): string | undefined {
  // Cost 4, the lowest: the registry checks the hash on every request.
  const htpasswd = spawnSync('htpasswd', ['-nbB', '-C', '4', 'u', password], { encoding: 'utf8' });
  if (htpasswd.status === 0) return htpasswd.stdout.trim().slice('u:'.length);
  for (const python of ['/usr/bin/python3', 'python3']) {
    const result = spawnSync(python, ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))', password], { encoding: 'utf8' });
    const hash = result.stdout?.trim();
    if (result.status === 0 && hash?.startsWith('$2')) return hash;
  }
  return undefined;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `host` can be listened on here (127.0.0.2 needs the whole 127/8 on lo). */
export async function canListen(host: string): Promise<boolean> {
  return freePort(host).then(
    () => true,
    () => false,
  );
}

function probe(url: string): Promise<number> {
  return request('GET', url, {}).then((response) => response.status);
}

/** One request, any certificate accepted (the test's own self-signed one). */
export function request(method: string, url: string, options: { headers?: Record<string, string>; body?: Buffer }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = (target.protocol === 'https:' ? https : http).request(target, {
      method,
      headers: { ...options.headers, ...(options.body ? { 'content-length': String(options.body.length) } : {}) },
      rejectUnauthorized: false,
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.end(options.body);
  });
}

/**
 * A Bearer token gate in front of a registry, as Docker Hub works: every request without
 * the token gets 401 `WWW-Authenticate: Bearer realm=<gate>/token,service,scope`; /token
 * hands the token out (anonymously) and records the scopes asked for; the rest is proxied.
 */
export class TokenGate {
  readonly scopes: string[] = [];
  /** host:port, as a reference names it. */
  address = '';
  private readonly token = `token-${Math.random().toString(36).slice(2)}`;
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  private constructor(private readonly registry: TestRegistry) {}

  static async start(registry: TestRegistry): Promise<TokenGate> {
    const gate = new TokenGate(registry);
    await new Promise<void>((resolve) => gate.server.listen(0, '127.0.0.1', resolve));
    gate.address = `127.0.0.1:${(gate.server.address() as net.AddressInfo).port}`;
    return gate;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (url.pathname === '/token') {
      this.scopes.push(...url.searchParams.getAll('scope'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: this.token, expires_in: 300 }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      const scope = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
      const challenge = `Bearer realm="http://${this.address}/token",service="strata-test"${scope ? `,scope="repository:${scope}:pull"` : ''}`;
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const headers = { ...req.headers, host: this.registry.address };
    delete headers.authorization;
    const upstream = http.request(`${this.registry.url}${req.url}`, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
