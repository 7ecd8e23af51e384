// The rootless engine's other network, pasta (Debian's passt), as a normal user meets it
// (the built CLI as strata-test on the rootless connection): `--network pasta` gives eth0
// 10.0.2.100/24 via 10.0.2.2 and the host's name servers; a busybox httpd published with -p
// is fetched from the host; a server of the test on a non-loopback address of the host is
// reached through pasta's NAT, while the host's loopback stays closed (--no-map-gw: the
// gateway is not the host's 127.0.0.1; --tcp-ns none: the container's 127.0.0.1 is its own);
// pasta outlives the engine; stop, rm and a container that died while no engine ran leave no
// pasta process or namespace file; a build's RUN step is on it too. "Chosen by what is
// installed": with slirp4netns off the engine's PATH, pasta is the default (recorded, offered
// first); with neither, the refusal names both Debian packages.
// Needs root (to become the test user), the build, user namespaces and pasta.
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Home, type User, alive, busyboxLayer, cleanUp, cli, cliAsync, findRootlessUser, gone, makeHome, servicePid, programsOfHome, listedContainer, HOST_ADDRESS, netnsMountsOfHome, fetchPage } from './rootless-fixture';

const PASTA = '/usr/bin/pasta';
const found = findRootlessUser();
const why = typeof found === 'string' ? found : !fs.existsSync(PASTA) ? 'pasta is not installed (Debian package passt)' : undefined;
if (why) console.log(`rootless pasta: skipped — ${why}`);

let home: Home;
const rootless = (...args: string[]) => cli(home, ['--connection', 'rootless', ...args]);

/** What pasta leaves for a container while it runs: its record (pid) and the namespace file. */
function pastaOf(id: string): { pid?: number; netns: boolean } {
  const bundle = path.join(home.store, 'containers', id);
  const record = fs.existsSync(path.join(bundle, 'pasta.json')) ? (JSON.parse(fs.readFileSync(path.join(bundle, 'pasta.json'), 'utf8')) as { pid: number }) : undefined;
  return { pid: record?.pid, netns: fs.existsSync(path.join(bundle, 'netns')) };
}

/** Ends this home's engine (it is started again, with the next command's PATH, by that command). */
async function stopEngine(): Promise<void> {
  const engine = servicePid(home);
  if (engine !== undefined && alive(engine)) {
    process.kill(engine, 'SIGTERM');
    expect(await gone(engine)).toBe(true);
  }
}

/** A directory for PATH with the id-map helpers and the given programs of /usr/bin, nothing else. */
function binWith(name: string, programs: string[]): string {
  const bin = path.join(home.work, name);
  fs.mkdirSync(bin);
  for (const tool of ['newuidmap', 'newgidmap', ...programs]) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  return bin;
}

/** The host's name servers as resolv.conf lists them. */
const hostNameServers = (text: string) => [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((match) => match[1]!);

describe.skipIf(why !== undefined)('the rootless engine on pasta', () => {
  beforeAll(() => {
    home = makeHome(found as User, 'rootless-pasta');
    const imported = rootless('import', '-t', 'busybox:1', busyboxLayer(home, { 'www/index.html': 'hello from the pasta container\n' }));
    expect(imported.stderr).toBe('');
  });

  afterAll(async () => {
    if (!home) return;
    expect(await cleanUp(home)).toEqual([]);
    expect(programsOfHome(home, 'pasta')).toEqual([]);
  });

  it("gives --network pasta eth0 10.0.2.100/24 via 10.0.2.2, and the host's name servers (no loopback one)", async ({ skip }) => {
    const inside = rootless('run', '--rm', '--network', 'pasta', 'busybox:1', 'sh', '-c', 'busybox ip -4 -o addr show eth0; busybox ip -4 route; echo ---; cat /etc/resolv.conf');
    expect(inside.stderr).toBe('');
    const [network, resolv] = inside.stdout.split('---\n') as [string, string];
    expect(network).toMatch(/eth0\s+inet 10\.0\.2\.100\/24/);
    expect(network).toMatch(/^default via 10\.0\.2\.2 dev eth0/m);
    // The host's servers, asked directly through pasta's NAT; a loopback one is the
    // container's own loopback there, so it is left out (public ones where none is left).
    const host = hostNameServers(fs.readFileSync('/etc/resolv.conf', 'utf8')).filter((server) => !/^(127\.|::1$)/.test(server));
    expect(hostNameServers(resolv)).toEqual(host.length ? host : ['8.8.8.8', '8.8.4.4']);
    expect(programsOfHome(home, 'pasta')).toEqual([]); // --rm took it with the container

    // And they answer there, where the host gets an answer from the first of them itself.
    const server = hostNameServers(resolv)[0]!;
    const resolver = new dns.promises.Resolver({ timeout: 3000, tries: 1 });
    resolver.setServers([server]);
    const answered = await resolver.resolve4('example.com').then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code === 'ENOTFOUND' || error.code === 'ENODATA',
    );
    if (!answered) {
      console.log(`rootless pasta: DNS through pasta not tried — the host gets no answer from ${server} itself`);
      skip();
    }
    const asked = await cliAsync(home, ['--connection', 'rootless', 'run', '--rm', '--network', 'pasta', 'busybox:1', 'busybox', 'nslookup', 'example.com']);
    // busybox prints the server once it has an answer (an address, or NXDOMAIN from a resolver that has no outside)
    expect(asked.stdout).toContain(`Address:\t${server}:53`);
  });

  it('publishes -p 127.0.0.1::80 of a busybox httpd on pasta, fetched from the host', async () => {
    const run = rootless('run', '-d', '--name', 'web', '--network', 'pasta', '-p', '127.0.0.1::80', 'busybox:1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www');
    expect(run.stderr).toBe('');
    const web = listedContainer(home, 'web');
    expect(web.state.status).toBe('running');
    expect((JSON.parse(rootless('inspect', 'web').stdout) as { options: { network?: string } }[])[0]!.options.network).toBe('pasta');
    expect(web.state.network?.address).toBe('10.0.2.100');
    const port = web.state.network!.ports[0]!;
    expect(port).toMatchObject({ hostIp: '127.0.0.1', containerPort: 80 });
    expect(port.hostPort).toBeGreaterThan(0);
    expect(await fetchPage(`http://127.0.0.1:${port.hostPort}/`)).toBe('hello from the pasta container\n');
    const pasta = pastaOf(web.id);
    expect(alive(pasta.pid!)).toBe(true);
    expect(programsOfHome(home, 'pasta')).toEqual([pasta.pid]);
  });

  it("reaches a server of the host on its address through pasta, but not the host's loopback", async ({ skip }) => {
    if (!HOST_ADDRESS) {
      console.log('rootless pasta: outbound test skipped — the host has no non-loopback IPv4 address');
      skip();
    }
    // On every address, 127.0.0.1 included: what pasta's defaults would hand the container.
    const server = http.createServer((_request, response) => response.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const { port } = server.address() as AddressInfo;
    // Bounded: 10.0.2.2 is sent out to the host's network, where nothing may answer. Under sh,
    // which stays PID 1: timeout's signal to a PID 1 without a handler would be ignored.
    const wget = (url: string) =>
      cliAsync(home, ['--connection', 'rootless', 'run', '--rm', '--network', 'pasta', 'busybox:1', 'sh', '-c', 'busybox timeout 10 busybox wget -q -O - "$0"; exit $?', url]);
    try {
      const out = await wget(`http://${HOST_ADDRESS}:${port}/`);
      expect(out.stderr).toBe('');
      expect(out.stdout).toBe('hello from the host\n');
      // The gateway is not the host's 127.0.0.1 (--no-map-gw): whatever 10.0.2.2 is out
      // there, it is not this server; and the container's 127.0.0.1 is its own (--tcp-ns none).
      for (const url of [`http://10.0.2.2:${port}/`, `http://127.0.0.1:${port}/`]) {
        const closed = await wget(url);
        expect(closed.status, url).not.toBe(0);
        expect(closed.stdout, url).not.toContain('hello from the host');
      }
    } finally {
      server.close();
    }
  });

  it('keeps pasta and the published port across an engine exit; stop and rm leave no pasta and no namespace', async () => {
    const web = listedContainer(home, 'web');
    const pasta = pastaOf(web.id);
    const engine = servicePid(home)!;
    process.kill(engine, 'SIGKILL'); // a crash: nothing tidied
    expect(await gone(engine)).toBe(true);
    expect(alive(pasta.pid!)).toBe(true);
    expect(await fetchPage(`http://127.0.0.1:${web.state.network!.ports[0]!.hostPort}/`)).toBe('hello from the pasta container\n');
    expect(rootless('stop', '-t', '1', 'web').status).toBe(0);
    expect(await gone(pasta.pid)).toBe(true);
    expect(pastaOf(web.id)).toEqual({ pid: undefined, netns: false });
    expect(rootless('rm', 'web').status).toBe(0);
    expect(programsOfHome(home, 'pasta')).toEqual([]);
    expect(netnsMountsOfHome(home)).toEqual([]);
  });

  it('ends the pasta of a container that died while no engine ran, at the next engine', async () => {
    const run = rootless('run', '-d', '--name', 'short', '--network', 'pasta', '-p', ':80', 'busybox:1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www');
    expect(run.stderr).toBe('');
    const short = listedContainer(home, 'short');
    const pasta = pastaOf(short.id);
    expect(alive(pasta.pid!)).toBe(true);
    const engine = servicePid(home)!;
    process.kill(engine, 'SIGKILL');
    expect(await gone(engine)).toBe(true);
    process.kill(short.state.pid!, 'SIGKILL'); // the container dies with no engine to see it
    expect(await gone(short.state.pid)).toBe(true);
    // The next engine settles it: exited, its network torn down.
    expect(listedContainer(home, 'short').state.status).toBe('exited');
    expect(await gone(pasta.pid)).toBe(true);
    // the record says exited as the teardown begins: its namespace file goes a moment later
    await expect.poll(() => pastaOf(short.id), { timeout: 10_000 }).toEqual({ pid: undefined, netns: false });
    expect(rootless('rm', 'short').status).toBe(0);
    expect(programsOfHome(home, 'pasta')).toEqual([]);
  });

  it("gives a build's RUN steps --network pasta, and ends their pasta", () => {
    const context = path.join(home.work, 'context');
    fs.mkdirSync(context, { mode: 0o755 });
    fs.writeFileSync(path.join(context, 'Containerfile'), 'FROM busybox:1\nRUN busybox ip -4 -o addr show eth0 > /addr\n', { mode: 0o644 });
    const built = rootless('build', '-q', '--network', 'pasta', '-t', 'networked:1', context);
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(rootless('run', '--rm', '--network', 'none', 'networked:1', 'busybox', 'cat', '/addr').stdout).toMatch(/eth0\s+inet 10\.0\.2\.100\/24/);
    expect(programsOfHome(home, 'pasta')).toEqual([]);
  });

  it('is the default network where slirp4netns is not installed: recorded, offered first; the bridge refusal says so', async () => {
    await stopEngine();
    const env = { PATH: binWith('bin-pasta-only', ['pasta']) };
    const info = JSON.parse(cli(home, ['--connection', 'rootless', 'system', 'info', '--json'], env).stdout) as { capabilities: { networks: string[] } };
    expect(info.capabilities.networks).toEqual(['pasta', 'host', 'none']);
    const run = cli(home, ['--connection', 'rootless', 'run', '-d', '--name', 'plain', 'busybox:1', 'sh', '-c', 'busybox ip -4 -o addr show eth0; exec sleep 600'], env);
    expect(run.stderr).toBe('');
    expect((JSON.parse(rootless('inspect', 'plain').stdout) as { options: { network?: string } }[])[0]!.options.network).toBe('pasta');
    await expect.poll(() => rootless('logs', 'plain').stdout).toMatch(/eth0\s+inet 10\.0\.2\.100\/24/);
    const pasta = pastaOf(listedContainer(home, 'plain').id);
    expect(programsOfHome(home, 'pasta')).toEqual([pasta.pid]);
    const bridge = rootless('run', '--rm', '--network', 'bridge', 'busybox:1', 'true');
    expect(bridge.status).toBe(1);
    expect(bridge.stderr).toContain('[UNSUPPORTED]');
    expect(bridge.stderr).toContain('its default network is pasta');
    // --network slirp4netns, asked for, names its package and the network this engine has
    const slirp = rootless('run', '--rm', '--network', 'slirp4netns', 'busybox:1', 'true');
    expect(slirp.status).toBe(1);
    expect(slirp.stderr).toContain('needs slirp4netns, which is not installed (Debian package slirp4netns): install it, or use --network pasta (installed), none or host');
    expect(rootless('rm', '-f', 'plain').status).toBe(0);
    expect(await gone(pasta.pid)).toBe(true);
    expect(programsOfHome(home, 'pasta')).toEqual([]);
  });

  it('names both packages when neither slirp4netns nor pasta is installed, and leaves nothing', async () => {
    await stopEngine();
    const env = { PATH: binWith('bin-neither', []) };
    for (const asked of [[], ['--network', 'pasta']]) {
      const missing = cli(home, ['--connection', 'rootless', 'run', '--rm', ...asked, 'busybox:1', 'true'], env);
      expect(missing.status, asked.join(' ')).toBe(1);
      expect(missing.stderr).toContain('[UNSUPPORTED]');
      expect(missing.stderr).toContain('needs slirp4netns or pasta, and neither is installed (Debian packages slirp4netns and passt)');
    }
    expect(rootless('ps', '-a', '-q').stdout).toBe('');
    expect(fs.readdirSync(path.join(home.store, 'containers'))).toEqual([]);
    expect(netnsMountsOfHome(home)).toEqual([]);
  });
});
