// Containers on the bridge, for real: a veth into the container's own network namespace,
// an address from the subnet, a default route through the host, masquerading (checked
// from a second namespace that has no route back to the subnet), published ports reached
// from the host on 127.0.0.1, and everything gone again after stop and rm.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { addressDir } from '../../../src-main/engine/network/ipam';
import { networkConfig } from '../../../src-main/engine/network/index';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import { isStrataError } from '@shared/errors';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { logText, removeTestStore } from '../../helpers/containers';
import { TEST_BRIDGE } from '../../test-network';

let work: string;
let engine: Engine;
const config = networkConfig();

beforeAll(async () => {
  work = makeTempDir('network');
  const { a } = testImages(work);
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});


/** Runs a shell script in a new container to the end: its exit code and output. */
async function run(script: string, options: ContainerOptions = {}): Promise<{ code: number; output: string; id: string }> {
  const container = await engine.createContainer('test/a:1', { ...options, command: ['/bin/busybox', 'sh', '-c', script] });
  await engine.startContainer(container.id);
  const code = (await engine.waitContainer(container.id)) ?? -1;
  const output = logText(engine, container.id);
  await engine.removeContainer(container.id);
  return { code, output, id: container.id };
}

function dnatRules(): string {
  return execFileSync('iptables', ['-w', '-t', 'nat', '-S', `STRATA-${TEST_BRIDGE}-DNAT`], { encoding: 'utf8' });
}

/** Everything a container's network leaves on the host, for before/after comparisons. */
function hostTraces(id: string): { veth: boolean; address: boolean; rules: boolean } {
  return {
    veth: fs.existsSync(`/sys/class/net/sv${id.slice(0, 12)}`),
    address: fs.readdirSync(addressDir(config)).some((name) => name.includes('.') && fs.readFileSync(path.join(addressDir(config), name), 'utf8') === id),
    rules: dnatRules().includes(`strata:${id.slice(0, 12)}`),
  };
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function eventually<T>(attempt: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('the bridge network', () => {
  it('gives a container eth0 with an address of the subnet, a default route, and hosts/hostname/resolv.conf files of its own', async () => {
    const { code, output } = await run(
      'busybox ip -4 -o addr show eth0; busybox ip route; echo ---; cat /etc/hosts; echo ---; cat /etc/hostname; echo ---; cat /etc/resolv.conf',
      { hostname: 'webhost' },
    );
    expect(code).toBe(0);
    const [addresses, hosts, hostname, resolv] = output.split('---\n');
    const address = /inet (10\.86\.254\.\d+)\/24/.exec(addresses!)?.[1];
    expect(address, addresses).toBeDefined();
    expect(addresses).toContain('default via 10.86.254.1 dev eth0');
    expect(hosts).toContain(`${address}\twebhost`);
    expect(hosts).toContain('127.0.0.1\tlocalhost');
    expect(hostname).toBe('webhost\n');
    // The host's servers minus those on its own loopback, which a container cannot reach.
    expect(resolv).not.toMatch(/nameserver 127\./);
    expect(resolv).toMatch(/nameserver /);
    expect(fs.existsSync(`/sys/class/net/${TEST_BRIDGE}/bridge`)).toBe(true);
    expect(execFileSync('ip', ['-4', '-o', 'addr', 'show', TEST_BRIDGE], { encoding: 'utf8' })).toContain(`inet 10.86.254.1/24`);
  });

  it('records the address while it runs, and leaves no veth, address or namespace once stopped', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sleep', '30'] });
    await engine.startContainer(container.id);
    const running = await engine.inspectContainer(container.id);
    expect(running.state.network).toMatchObject({ gateway: '10.86.254.1', prefix: 24, ports: [] });
    expect(running.state.network!.address).toMatch(/^10\.86\.254\.\d+$/);
    expect(hostTraces(container.id)).toEqual({ veth: true, address: true, rules: false });
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).toContain(path.join(engine.root, 'containers', container.id, 'netns'));
    await engine.stopContainer(container.id, { timeoutS: 0 });
    expect((await engine.inspectContainer(container.id)).state.network).toBeUndefined();
    expect(hostTraces(container.id)).toEqual({ veth: false, address: false, rules: false });
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(path.join(engine.root, 'containers', container.id));
    // And it gets a network again on the next start.
    await engine.startContainer(container.id);
    expect((await engine.inspectContainer(container.id)).state.network!.address).toMatch(/^10\.86\.254\.\d+$/);
    await engine.removeContainer(container.id, { force: true });
    expect(hostTraces(container.id)).toEqual({ veth: false, address: false, rules: false });
  });

  it("gives eth0 a link address made of its IP, so an address used again is not sent to a removed container's MAC", async () => {
    // The host (and every container) keeps an address's MAC in its ARP cache; a new
    // container on an address used before, with a MAC of its own, would get its first
    // packets only once that entry had gone stale and been probed again (seconds).
    const { code, output } = await run('cat /sys/class/net/eth0/address; busybox ip -o -4 addr show eth0');
    expect(code, output).toBe(0);
    const [mac, line] = output.trim().split('\n');
    const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(line!)![1]!;
    expect(mac).toBe(['02', '53', ...address.split('.').map((byte) => Number(byte).toString(16).padStart(2, '0'))].join(':'));
  });

  it('reaches a server of the host on the gateway address', async () => {
    const server = http.createServer((_req, res) => res.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '10.86.254.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const { code, output } = await run(`busybox wget -q -O - http://10.86.254.1:${port}/`);
      expect({ code, output }).toEqual({ code: 0, output: 'hello from the host\n' });
    } finally {
      server.close();
    }
  });

  it('masquerades: a host beyond this one, with no route back to the subnet, sees the host as the client', async () => {
    // "Beyond" is a network namespace joined to this one by a veth on a /30 of 192.168.200-249,
    // with no route to the container subnet: an answer reaches the container only if its
    // packets left with the host's address.
    const nsFile = path.join(work, 'outside-ns');
    fs.writeFileSync(nsFile, '');
    // A name and a /30 of this run's own: a run killed here leaves its pair behind (the
    // namespace stays bound), and another run on this machine may be here at the same time.
    const [a, b] = randomBytes(2);
    const outside = `stt-${randomBytes(4).toString('hex')}`;
    const [host, far] = [1, 2].map((i) => `192.168.${200 + (a! % 50)}.${(b! % 64) * 4 + i}`);
    execFileSync('unshare', [`--net=${nsFile}`, 'true']);
    const script = (lines: string[]) => `${lines.join('\n')}\n`;
    try {
      execFileSync('nsenter', [`--net=${nsFile}`, 'ip', '-batch', '-'], {
        input: script(['link set lo up', `link add eth0 type veth peer name ${outside} netns ${process.pid}`, `addr add ${far}/30 dev eth0`, 'link set eth0 up']),
      });
      execFileSync('ip', ['-batch', '-'], { input: script([`addr add ${host}/30 dev ${outside}`, `link set ${outside} up`]) });
      const server = spawn('nsenter', [
        `--net=${nsFile}`,
        process.execPath,
        '-e',
        `require('http').createServer((q, s) => s.end('client ' + q.socket.remoteAddress + '\\n')).listen(8099, '${far}', () => console.log('ready'))`,
      ]);
      try {
        await new Promise<void>((resolve, reject) => {
          server.stdout.once('data', () => resolve());
          server.once('exit', (code) => reject(new Error(`the outside server exited (${code})`)));
        });
        const { code, output } = await run(`busybox wget -q -O - http://${far}:8099/`);
        expect({ code, output }).toEqual({ code: 0, output: `client ${host}\n` });
      } finally {
        server.kill('SIGKILL');
      }
    } finally {
      execFileSync('umount', [nsFile]); // the namespace goes, and the veth pair with it
    }
  });

  it('publishes a port on 127.0.0.1: the host reaches the container', async () => {
    fs.mkdirSync(path.join(work, 'www'), { recursive: true });
    fs.writeFileSync(path.join(work, 'www', 'index.html'), 'served from a container\n');
    const container = await engine.createContainer('test/a:1', {
      command: ['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/www'],
      volumes: [{ source: path.join(work, 'www'), destination: '/www', readonly: true }],
      publish: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }],
    });
    await engine.startContainer(container.id);
    const [port] = (await engine.inspectContainer(container.id)).state.network!.ports;
    expect(port).toMatchObject({ hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' });
    expect(port!.hostPort).toBeGreaterThan(0);
    expect(await eventually(() => httpGet(`http://127.0.0.1:${port!.hostPort}/index.html`))).toBe('served from a container\n');
    expect(hostTraces(container.id).rules).toBe(true);

    // The same host port for another container: refused, and nothing of it is left.
    const second = await engine.createContainer('test/a:1', { command: ['sleep', '30'], publish: [{ ...port! }] });
    const refused = await engine.startContainer(second.id).catch((error: unknown) => error);
    expect(isStrataError(refused, 'CONFLICT')).toBe(true);
    expect((refused as Error).message).toContain(`port ${port!.hostPort}/tcp is already published by container ${container.id.slice(0, 12)}`);
    expect((await engine.inspectContainer(second.id)).state.status).toBe('created');
    expect(hostTraces(second.id)).toEqual({ veth: false, address: false, rules: false });
    await engine.removeContainer(second.id);

    await engine.removeContainer(container.id, { force: true });
    expect(hostTraces(container.id)).toEqual({ veth: false, address: false, rules: false });
    await expect(httpGet(`http://127.0.0.1:${port!.hostPort}/index.html`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a host port a program of the host holds', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = holder.address() as net.AddressInfo;
      const container = await engine.createContainer('test/a:1', { command: ['sleep', '30'], publish: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 80, protocol: 'tcp' }] });
      const refused = await engine.startContainer(container.id).catch((error: unknown) => error);
      expect(isStrataError(refused, 'CONFLICT')).toBe(true);
      expect((refused as Error).message).toMatch(/in use by a program of the host/);
      expect(hostTraces(container.id)).toEqual({ veth: false, address: false, rules: false });
      await engine.removeContainer(container.id);
    } finally {
      holder.close();
    }
  });

  it('none: loopback only; host: the host network itself', async () => {
    const none = await run('busybox ip -o link | busybox cut -d: -f2', { network: 'none' });
    expect(none.output.trim()).toBe('lo');
    // Other test files make and remove veths meanwhile: only links there before and after are checked.
    const links = () =>
      execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(':')[1]!.trim().split('@')[0]!);
    const before = links();
    const host = await run('busybox ip -o link | busybox cut -d: -f2 | busybox tr -d " "; cat /etc/hostname', { network: 'host' });
    const after = new Set(links());
    const stable = before.filter((link) => after.has(link));
    expect(stable).toContain('lo');
    for (const link of stable) expect(host.output).toContain(link);
    expect(host.output.trim().split('\n').at(-1)).toBe(os.hostname());
  });

  it('refuses published ports without the bridge, and malformed ones', async () => {
    for (const options of [
      { network: 'host', publish: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
      { publish: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 81, protocol: 'tcp' }] },
    ] as ContainerOptions[]) {
      const error = await engine.createContainer('test/a:1', options).catch((e: unknown) => e);
      expect(isStrataError(error, 'INVALID_ARGUMENT'), String(error)).toBe(true);
    }
    expect(await engine.listContainers({ all: true })).toEqual([]);
  });

});
