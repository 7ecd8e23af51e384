// A container must not reach the host's loopback-only services (the class of Kubernetes'
// CVE-2020-8558). The bridge has route_localnet on, so that ports published on 127.0.0.1
// work; without a guard, a container that crafts a frame to the gateway's MAC with IPv4
// destination 127.0.0.1 reaches a UDP socket bound to 127.0.0.1 and gets a SYN-ACK from a
// TCP port listening there. The frames are made by a small Python script run on the host
// inside the container's network namespace (an AF_PACKET socket on eth0, as a container
// with CAP_NET_RAW could). The same script's frames to the gateway's own address are the
// control: they arrive, so the frames are well made. That a port published on 127.0.0.1
// still works is network.test.ts's.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { ensureBridge, removeBridge } from '../../../src-main/engine/network/bridge';
import { parseNetworkConfig } from '../../../src-main/engine/network/index';
import { networkLockFile } from '../../../src-main/engine/network/network-lock';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { removeTestStore } from '../../helpers/containers';
import { TEST_BRIDGE } from '../../test-network';

const execFileAsync = promisify(execFile);
const PROBE = path.resolve('test/fixtures/network/loopback-probe.py');
const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import socket; socket.AF_PACKET'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!python) console.log('loopback-isolation: skipped: python3 (with AF_PACKET) is missing on this host; it crafts the raw frames');

let work: string;
let engine: Engine;

beforeAll(async () => {
  work = makeTempDir('loopback');
  const { a } = testImages(work);
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

/** A server, listening until the test ends. */
async function listening<T extends net.Server | dgram.Socket>(server: T, address: string): Promise<T & { port: number }> {
  await new Promise<void>((resolve) => (server instanceof net.Server ? server.listen(0, address, resolve) : server.bind(0, address, resolve)));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(server, { port });
}

describe.skipIf(!python)('the host loopback, seen from a container on the bridge', () => {
  it('receives no UDP datagram and answers no TCP SYN a container sends to 127.0.0.1', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sleep', '60'] });
    await engine.startContainer(container.id);
    const { pid, network } = (await engine.inspectContainer(container.id)).state;
    const gateway = network!.gateway;
    const udpLoopback = await listening(dgram.createSocket('udp4'), '127.0.0.1');
    const udpControl = await listening(dgram.createSocket('udp4'), gateway);
    const tcpLoopback = await listening(net.createServer(), '127.0.0.1');
    const tcpControl = await listening(net.createServer(), gateway);
    const received: string[] = [];
    udpLoopback.on('message', (message) => received.push(`loopback: ${message.toString()}`));
    const control = new Promise<void>((resolve) => udpControl.once('message', () => resolve()));
    try {
      const args = {
        gatewayMac: fs.readFileSync(`/sys/class/net/${TEST_BRIDGE}/address`, 'utf8').trim(),
        source: network!.address,
        gateway,
        udpLoopback: udpLoopback.port,
        udpControl: udpControl.port,
        tcpLoopback: tcpLoopback.port,
        tcpControl: tcpControl.port,
      };
      const { stdout } = await execFileAsync('nsenter', [`--net=/proc/${pid}/ns/net`, 'python3', PROBE, JSON.stringify(args)], { encoding: 'utf8', timeout: 20_000 });
      // The loopback datagram was sent first: by the time the control one is in, it
      // would be in too (one more turn of the event loop to deliver it).
      await control;
      await new Promise((resolve) => setImmediate(resolve));
      expect({ ...JSON.parse(stdout), loopbackDatagrams: received }).toEqual({ loopbackSynAck: false, controlSynAck: true, loopbackDatagrams: [] });
    } finally {
      for (const socket of [udpLoopback, udpControl]) socket.close();
      for (const server of [tcpLoopback, tcpControl]) server.close();
      await engine.removeContainer(container.id, { force: true });
    }
  });

  it('comes with the bridge, is added to a bridge made without it, and goes with removeBridge', async () => {
    // A bridge of this test's own: the tests' bridge is shared with other test files.
    // a bridge and subnet of this run's own: another run may test the same at the same time
    const [n] = randomBytes(1);
    const own = parseNetworkConfig(`strata-tlo${randomBytes(2).toString('hex')}`, `10.86.${200 + (n! % 40)}.0/24`);
    const guard = () => ({ jump: rawRules().includes(`-A PREROUTING -i ${own.bridge} -j STRATA-${own.bridge}-RAW`), drop: rawRules(`STRATA-${own.bridge}-RAW`).includes('-d 127.0.0.0/8 -j DROP') });
    try {
      await ensureBridge(own);
      expect(guard()).toEqual({ jump: true, drop: true });
      expect(fs.readFileSync(`/proc/sys/net/ipv4/conf/${own.bridge}/route_localnet`, 'utf8').trim()).toBe('1');
      await removeBridge(own);
      expect(guard()).toEqual({ jump: false, drop: false });
      expect(fs.existsSync(networkLockFile(own)), 'the bridge\'s lock file goes with it').toBe(false);
      // What an older Strata left: the bridge, without the guard.
      execFileSync('ip', ['link', 'add', own.bridge, 'type', 'bridge']);
      await ensureBridge(own);
      expect(guard()).toEqual({ jump: true, drop: true });
    } finally {
      await removeBridge(own);
    }
    expect(guard()).toEqual({ jump: false, drop: false });
    expect(fs.existsSync(`/sys/class/net/${own.bridge}`)).toBe(false);
  });
});

/** `iptables -S` of the raw table's PREROUTING or one of its chains; '' for a chain that is not there. */
function rawRules(chain = 'PREROUTING'): string {
  try {
    return execFileSync('iptables', ['-w', '-t', 'raw', '-S', chain], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}
