// The rootless engine's network, slirp4netns, as a normal user meets it (the built CLI as
// strata-test on the rootless connection): the default network of a container; a busybox
// httpd published with -p and fetched from the host; outbound NAT to a server of the test
// on a non-loopback address of the host (the host's loopback, 10.0.2.2, stays closed:
// --disable-host-loopback); DNS at 10.0.2.3; slirp4netns outliving the engine; and stop,
// rm and a container that died while no engine ran leave no slirp4netns process, API socket
// or namespace file; a build's RUN step is on it too. A PATH without slirp4netns (and
// without pasta, the other user-mode network: rootless-pasta.test.ts) is refused naming the
// Debian packages.
// Needs root (to become the test user), the build, user namespaces and slirp4netns.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Home, type User, alive, busyboxLayer, cleanUp, cli, cliAsync, findRootlessUser, gone, makeHome, servicePid, programsOfHome, listedContainer, HOST_ADDRESS, netnsMountsOfHome, fetchPage } from './rootless-fixture';

const SLIRP = '/usr/bin/slirp4netns';
const found = findRootlessUser();
const why = typeof found === 'string' ? found : !fs.existsSync(SLIRP) ? 'slirp4netns is not installed (Debian package slirp4netns)' : undefined;
if (why) console.log(`rootless network: skipped — ${why}`);

let home: Home;
const rootless = (...args: string[]) => cli(home, ['--connection', 'rootless', ...args]);

/** What slirp4netns leaves for a container while it runs: its record (pid), the namespace file, the API socket. */
function slirpOf(id: string): { pid?: number; socket?: string; netns: boolean } {
  const bundle = path.join(home.store, 'containers', id);
  const record = fs.existsSync(path.join(bundle, 'slirp4netns.json')) ? (JSON.parse(fs.readFileSync(path.join(bundle, 'slirp4netns.json'), 'utf8')) as { pid: number; apiSocket: string }) : undefined;
  return { pid: record?.pid, socket: record?.apiSocket, netns: fs.existsSync(path.join(bundle, 'netns')) };
}

describe.skipIf(why !== undefined)('the rootless engine on slirp4netns', () => {
  beforeAll(() => {
    home = makeHome(found as User, 'rootless-network');
    const imported = rootless('import', '-t', 'busybox:1', busyboxLayer(home, { 'www/index.html': 'hello from the rootless container\n' }));
    expect(imported.stderr).toBe('');
  });

  afterAll(async () => {
    expect(await cleanUp(home)).toEqual([]);
    expect(programsOfHome(home, 'slirp4netns')).toEqual([]);
  });

  it('is the default network: tap0 with 10.0.2.100, DNS at 10.0.2.3; --network bridge is refused saying so', () => {
    const inside = rootless('run', '--rm', 'busybox:1', 'sh', '-c', 'busybox ip -4 -o addr show tap0; cat /etc/resolv.conf');
    expect(inside.stderr).toBe('');
    expect(inside.stdout).toMatch(/tap0\s+inet 10\.0\.2\.100\/24/);
    expect(inside.stdout).toMatch(/^nameserver 10\.0\.2\.3$/m);
    expect(inside.stdout).not.toMatch(/nameserver (?!10\.0\.2\.3)/);
    const bridge = rootless('run', '--rm', '--network', 'bridge', 'busybox:1', 'true');
    expect(bridge.status).toBe(1);
    expect(bridge.stderr).toContain('[UNSUPPORTED]');
    expect(bridge.stderr).toContain('its default network is slirp4netns');
    expect(programsOfHome(home, 'slirp4netns')).toEqual([]); // --rm took it with the container
  });

  it('publishes -p 127.0.0.1::80 of a busybox httpd, fetched from the host', async () => {
    const run = rootless('run', '-d', '--name', 'web', '-p', '127.0.0.1::80', 'busybox:1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www');
    expect(run.stderr).toBe('');
    const web = listedContainer(home, 'web');
    expect(web.state.status).toBe('running');
    // Not given, yet named: inspect (and the window) say which network it has.
    expect((JSON.parse(rootless('inspect', 'web').stdout) as { options: { network?: string } }[])[0]!.options.network).toBe('slirp4netns');
    const port = web.state.network!.ports[0]!;
    expect(port).toMatchObject({ hostIp: '127.0.0.1', containerPort: 80 });
    expect(port.hostPort).toBeGreaterThan(0);
    expect(await fetchPage(`http://127.0.0.1:${port.hostPort}/`)).toBe('hello from the rootless container\n');
    const slirp = slirpOf(web.id);
    expect(alive(slirp.pid!)).toBe(true);
    expect(fs.statSync(slirp.socket!).isSocket()).toBe(true);
    expect(programsOfHome(home, 'slirp4netns')).toEqual([slirp.pid]);
  });

  it('reaches a server of the host through NAT, but not the host loopback (10.0.2.2 is closed)', async ({ skip }) => {
    if (!HOST_ADDRESS) {
      console.log('rootless network: outbound test skipped — the host has no non-loopback IPv4 address');
      skip();
    }
    const server = http.createServer((_request, response) => response.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const out = await cliAsync(home, ['--connection', 'rootless', 'run', '--rm', 'busybox:1', 'busybox', 'wget', '-q', '-O', '-', `http://${HOST_ADDRESS}:${port}/`]);
      expect(out.stderr).toBe('');
      expect(out.stdout).toBe('hello from the host\n');
      // The same server through slirp4netns's host alias is the host's 127.0.0.1: refused.
      // Bounded by `timeout` under sh (busybox's `wget -T` crashes here, which would pass for
      // a refusal); the refusal is asserted by its words, not only by a failed exit.
      const loop = await cliAsync(home, ['--connection', 'rootless', 'run', '--rm', 'busybox:1', 'sh', '-c', 'busybox timeout 10 busybox wget -q -O - "$0"; exit $?', `http://10.0.2.2:${port}/`]);
      expect(loop.status).not.toBe(0);
      expect(loop.stdout).toBe('');
      // slirp4netns answers for the alias it closed (ICMP unreachable), at once.
      expect(loop.stderr).toMatch(/can't connect to remote host \(10\.0\.2\.2\)/);
    } finally {
      server.close();
    }
  });

  it('keeps slirp4netns and the published port across an engine exit; stop and rm leave nothing', async () => {
    const web = listedContainer(home, 'web');
    const slirp = slirpOf(web.id);
    const engine = servicePid(home)!;
    process.kill(engine, 'SIGKILL'); // a crash: nothing tidied
    expect(await gone(engine)).toBe(true);
    expect(alive(slirp.pid!)).toBe(true);
    expect(await fetchPage(`http://127.0.0.1:${web.state.network!.ports[0]!.hostPort}/`)).toBe('hello from the rootless container\n');
    expect(rootless('stop', '-t', '1', 'web').status).toBe(0);
    expect(await gone(slirp.pid)).toBe(true);
    expect(fs.existsSync(slirp.socket!)).toBe(false);
    expect(slirpOf(web.id)).toEqual({ pid: undefined, socket: undefined, netns: false });
    expect(rootless('rm', 'web').status).toBe(0);
    expect(programsOfHome(home, 'slirp4netns')).toEqual([]);
    expect(fs.readdirSync(path.join(home.runtimeDir, 'slirp'))).toEqual([]);
    expect(netnsMountsOfHome(home)).toEqual([]);
  });

  it('ends the slirp4netns of a container that died while no engine ran, at the next engine', async () => {
    const run = rootless('run', '-d', '--name', 'short', '-p', ':80', 'busybox:1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www');
    expect(run.stderr).toBe('');
    const short = listedContainer(home, 'short');
    const slirp = slirpOf(short.id);
    expect(alive(slirp.pid!)).toBe(true);
    const engine = servicePid(home)!;
    process.kill(engine, 'SIGKILL');
    expect(await gone(engine)).toBe(true);
    process.kill(short.state.pid!, 'SIGKILL'); // the container dies with no engine to see it
    expect(await gone(short.state.pid)).toBe(true);
    // The next engine settles it: exited, its network torn down.
    expect(listedContainer(home, 'short').state.status).toBe('exited');
    expect(await gone(slirp.pid)).toBe(true);
    // the record says exited as the teardown begins: its namespace file goes a moment later
    await expect.poll(() => slirpOf(short.id), { timeout: 10_000 }).toEqual({ pid: undefined, socket: undefined, netns: false });
    expect(rootless('rm', 'short').status).toBe(0);
    expect(programsOfHome(home, 'slirp4netns')).toEqual([]);
  });

  it("gives a build's RUN steps the same network, and ends their slirp4netns", () => {
    const context = path.join(home.work, 'context');
    fs.mkdirSync(context, { mode: 0o755 });
    fs.writeFileSync(path.join(context, 'Containerfile'), 'FROM busybox:1\nRUN busybox ip -4 -o addr show tap0 > /addr\n', { mode: 0o644 });
    const built = rootless('build', '-q', '-t', 'networked:1', context);
    expect(built.status).toBe(0);
    expect(rootless('run', '--rm', '--network', 'none', 'networked:1', 'busybox', 'cat', '/addr').stdout).toMatch(/tap0\s+inet 10\.0\.2\.100\/24/);
    expect(programsOfHome(home, 'slirp4netns')).toEqual([]);
    expect(fs.readdirSync(path.join(home.runtimeDir, 'slirp'))).toEqual([]);
  });

  it('names the packages when slirp4netns (and pasta) is missing, and leaves nothing', async () => {
    // An engine started with a PATH that has the id-map helpers but not slirp4netns (nor pasta).
    const engine = servicePid(home);
    if (engine !== undefined && alive(engine)) {
      process.kill(engine, 'SIGTERM');
      expect(await gone(engine)).toBe(true);
    }
    const bin = path.join(home.work, 'bin-without-slirp');
    fs.mkdirSync(bin);
    for (const tool of ['newuidmap', 'newgidmap']) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
    const missing = cli(home, ['--connection', 'rootless', 'run', '--rm', 'busybox:1', 'true'], { PATH: bin });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('[UNSUPPORTED]');
    expect(missing.stderr).toContain('needs slirp4netns or pasta, and neither is installed (Debian packages slirp4netns and passt)');
    expect(rootless('ps', '-a', '-q').stdout).toBe(''); // --rm: the container went too
    expect(fs.readdirSync(path.join(home.store, 'containers'))).toEqual([]);
    expect(netnsMountsOfHome(home)).toEqual([]);
  });
});
