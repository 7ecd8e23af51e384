// A bridged start that fails halfway leaves nothing on the host: no link of its own, no
// port rule, no address file, no namespace mount or file. Two real failures: the host
// veth's name taken by a link that is not a veth (the start must not remove it), and a
// bridge whose subnet the host already routes (refused before anything is made).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { attach } from '../../../src-main/engine/network/attach';
import { ensureBridge, removeBridge } from '../../../src-main/engine/network/bridge';
import { addressDir } from '../../../src-main/engine/network/ipam';
import { networkConfig, parseNetworkConfig } from '../../../src-main/engine/network/index';
import { deleteLink } from '../../../native/lib/index';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { removeTestStore } from '../../helpers/containers';
import { TEST_BRIDGE } from '../../test-network';

let work: string;
let engine: Engine;
const config = networkConfig();

beforeAll(async () => {
  work = makeTempDir('attach-failures');
  const { a } = testImages(work);
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

function iptablesS(table: string, chain: string): string {
  try {
    return execFileSync('iptables', ['-w', '-t', table, '-S', chain], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function mountedUnder(dir: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4]?.startsWith(dir));
}

function addressFilesOf(id: string): string[] {
  const dir = addressDir(config);
  return fs.readdirSync(dir).filter((name) => name.includes('.') && fs.readFileSync(path.join(dir, name), 'utf8') === id);
}

describe('a failed attach', () => {
  it('leaves a link that holds the veth name, and nothing of its own: no rule, address, mount or namespace file', async () => {
    const container = await engine.createContainer('test/a:1', {
      command: ['true'],
      publish: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }],
    });
    const taken = `sv${container.id.slice(0, 12)}`;
    execFileSync('ip', ['link', 'add', taken, 'type', 'bridge']); // any kind but a veth
    const dir = path.join(engine.root, 'containers', container.id);
    try {
      await expect(engine.startContainer(container.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(taken) });
      expect({
        taken: fs.existsSync(`/sys/class/net/${taken}/bridge`),
        rules: iptablesS('nat', `STRATA-${TEST_BRIDGE}-DNAT`).includes(`strata:${container.id.slice(0, 12)}`),
        addresses: addressFilesOf(container.id),
        mounted: mountedUnder(dir),
        netns: fs.existsSync(path.join(dir, 'netns')),
      }).toEqual({ taken: true, rules: false, addresses: [], mounted: false, netns: false });
    } finally {
      await deleteLink(taken);
    }
    // The name free again, the same container starts.
    await engine.startContainer(container.id);
    expect(await engine.waitContainer(container.id)).toBe(0);
    await engine.removeContainer(container.id);
  });

  it('on a subnet the host already routes makes no bridge, no chain, no namespace file', async () => {
    await ensureBridge(config); // the tests' bridge routes 10.86.254.0/24
    const own = parseNetworkConfig(`strata-tcl${randomBytes(2).toString('hex')}`, '10.86.254.0/25');
    const netnsFile = path.join(work, 'clash-netns');
    try {
      await expect(attach(own, { owner: randomBytes(32).toString('hex'), netnsFile })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining(`overlaps 10.86.254.0/24 on ${TEST_BRIDGE}`),
      });
      expect({
        bridge: fs.existsSync(`/sys/class/net/${own.bridge}`),
        chains: ['POST', 'DNAT'].map((chain) => iptablesS('nat', `STRATA-${own.bridge}-${chain}`)).join(''),
        netns: fs.existsSync(netnsFile),
      }).toEqual({ bridge: false, chains: '', netns: false });
    } finally {
      await removeBridge(own);
    }
  });
});
