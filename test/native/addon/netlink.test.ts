// The addon's rtnetlink (native/src/rtnl.c, netattach.c) on the real kernel: a bridge, a
// container-like namespace with a veth on it (checked from inside with iproute2 and a
// ping), the route dump, link removal by kind, and failures that leave nothing behind
// (no link, no mount, no file). Every link has a name and subnet of this run's own.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { MNT_DETACH, attachVeth, createBridge, deleteLink, ipv4Routes, setLinkAddress, umount } from '../../../native/lib';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();
const tag = randomBytes(3).toString('hex');
const octet = 100 + (randomBytes(1)[0]! % 100);
const ip = (last: number) => ((10 << 24) | (213 << 16) | (octet << 8) | last) >>> 0;
const text = (value: number) => [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
const made: string[] = [];

afterEach(async () => {
  for (const name of made.splice(0)) await deleteLink(name).catch(() => undefined);
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const target = line.split(' ')[4];
    if (target?.startsWith(tmp.dir)) umount(target, MNT_DETACH);
  }
});

function link(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

function mounted(file: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === file);
}

function inside(file: string, ...args: string[]): string {
  return execFileSync('nsenter', [`--net=${file}`, ...args], { encoding: 'utf8' });
}

async function bridge(): Promise<string> {
  const name = `stnlb${tag}`;
  await createBridge(name, ip(1), 24);
  made.push(name);
  return name;
}

/** Each libuv pool thread's network namespace must be the process's again after every call. */
function threadNamespaces(): Set<string> {
  const tasks = fs.readdirSync('/proc/self/task');
  return new Set(tasks.map((task) => fs.readlinkSync(`/proc/self/task/${task}/ns/net`)));
}

describe('createBridge', () => {
  it('makes a bridge with its address, up; a second one of that name is EEXIST and leaves the first', async () => {
    const name = await bridge();
    expect(fs.existsSync(`/sys/class/net/${name}/bridge`)).toBe(true);
    const [info] = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', name], { encoding: 'utf8' })) as { flags: string[]; addr_info: { local: string; prefixlen: number }[] }[];
    expect(info!.flags).toContain('UP');
    expect(info!.addr_info).toEqual([expect.objectContaining({ local: text(ip(1)), prefixlen: 24 })]);
    await expect(createBridge(name, ip(1), 24)).rejects.toMatchObject({ code: 'EEXIST', syscall: 'rtnetlink add bridge', path: name });
    expect(fs.existsSync(`/sys/class/net/${name}/bridge`)).toBe(true);
  });

  it('has a link address of its own, set: a port with a lower one does not move it', async () => {
    const name = await bridge();
    const mac = () => fs.readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim();
    expect(fs.readFileSync(`/sys/class/net/${name}/addr_assign_type`, 'utf8').trim()).toBe('3'); // NET_ADDR_SET
    const before = mac();
    expect(Number.parseInt(before.slice(0, 2), 16) & 3).toBe(2); // locally administered, unicast
    const port = `stnlp${tag}`;
    execFileSync('ip', ['link', 'add', port, 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', `stnlq${tag}`]);
    made.push(port);
    execFileSync('ip', ['link', 'set', port, 'master', name, 'up']);
    expect(mac()).toBe(before);
  });

  it('setLinkAddress pins a kernel-chosen bridge address', async () => {
    const name = `stnlk${tag}`;
    execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
    made.push(name);
    await setLinkAddress(name, '02:11:22:33:44:55');
    expect(fs.readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim()).toBe('02:11:22:33:44:55');
    expect(fs.readFileSync(`/sys/class/net/${name}/addr_assign_type`, 'utf8').trim()).toBe('3');
    expect(() => setLinkAddress(name, 'nope')).toThrow(TypeError);
  });

  it('shows in the IPv4 routes with its subnet', async () => {
    const name = await bridge();
    expect(await ipv4Routes()).toContainEqual({ dst: ip(0), prefix: 24, dev: name });
  });
});

describe('attachVeth', () => {
  it('binds a new namespace on the file, with eth0 addressed and routed there and the host end on the bridge', async () => {
    const name = await bridge();
    const file = path.join(tmp.dir, 'netns');
    const hostVeth = `stnlv${tag}`;
    made.push(hostVeth);
    const before = fs.readlinkSync('/proc/self/ns/net');
    await attachVeth({ netnsFile: file, hostVeth, peer: 'eth0', bridge: name, address: ip(2), prefix: 24, gateway: ip(1) });
    expect(mounted(file)).toBe(true);
    expect(fs.realpathSync(`/sys/class/net/${hostVeth}/master`)).toBe(fs.realpathSync(`/sys/class/net/${name}`));
    expect(fs.readFileSync(`/sys/class/net/${hostVeth}/flags`, 'utf8').trim()).toMatch(/^0x1/); // IFF_UP among the flags
    const addresses = JSON.parse(inside(file, 'ip', '-j', '-4', 'addr')) as { ifname: string; flags: string[]; addr_info: { local: string }[] }[];
    expect(addresses.map((entry) => [entry.ifname, entry.flags.includes('UP'), entry.addr_info.map((a) => a.local)])).toEqual([
      ['lo', true, ['127.0.0.1']],
      ['eth0', true, [text(ip(2))]],
    ]);
    expect(inside(file, 'ip', 'route', 'show', 'default')).toContain(`default via ${text(ip(1))} dev eth0`);
    inside(file, 'busybox', 'ping', '-c', '1', '-W', '5', text(ip(1))); // busybox-static: the host may have no ping
    expect(fs.readlinkSync('/proc/self/ns/net')).toBe(before);
    expect(threadNamespaces()).toEqual(new Set([before]));
  });

  it('fails on a host name taken by another link, leaving no namespace, mount or file, and the other link', async () => {
    const name = await bridge();
    const taken = `stnlt${tag}`;
    execFileSync('ip', ['link', 'add', taken, 'type', 'bridge']);
    made.push(taken);
    const file = path.join(tmp.dir, 'netns');
    await expect(attachVeth({ netnsFile: file, hostVeth: taken, peer: 'eth0', bridge: name, address: ip(2), prefix: 24, gateway: ip(1) })).rejects.toMatchObject({
      code: 'EEXIST',
      syscall: 'rtnetlink add veth',
    });
    expect({ mounted: mounted(file), file: fs.existsSync(file), taken: link(taken) }).toEqual({ mounted: false, file: false, taken: true });
  });

  it('undoes the veth and the namespace when a step inside fails (a gateway off the subnet)', async () => {
    const name = await bridge();
    const file = path.join(tmp.dir, 'netns');
    const hostVeth = `stnlv${tag}`;
    made.push(hostVeth);
    await expect(attachVeth({ netnsFile: file, hostVeth, peer: 'eth0', bridge: name, address: ip(2), prefix: 24, gateway: ip(1) + 1024 })).rejects.toMatchObject({
      code: 'ENETUNREACH',
      syscall: 'rtnetlink add default route',
    });
    expect({ mounted: mounted(file), file: fs.existsSync(file), veth: link(hostVeth) }).toEqual({ mounted: false, file: false, veth: false });
  });

  it('fails without the bridge before making anything', async () => {
    const file = path.join(tmp.dir, 'netns');
    await expect(attachVeth({ netnsFile: file, hostVeth: `stnlv${tag}`, peer: 'eth0', bridge: `stnlx${tag}`, address: ip(2), prefix: 24, gateway: ip(1) })).rejects.toMatchObject({
      code: 'ENODEV',
      syscall: 'rtnetlink find the bridge',
    });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses an address that is not a uint32 or a prefix over 32', () => {
    const options = { netnsFile: path.join(tmp.dir, 'netns'), hostVeth: 'x', peer: 'eth0', bridge: 'x', address: ip(2), prefix: 24, gateway: ip(1) };
    expect(() => attachVeth({ ...options, address: -1 })).toThrow(TypeError);
    expect(() => attachVeth({ ...options, prefix: 33 })).toThrow(TypeError);
  });
});

describe('deleteLink', () => {
  it('removes a link of the kind asked, refuses one of another kind, and answers false for none', async () => {
    const dummy = `stnld${tag}`;
    execFileSync('ip', ['link', 'add', dummy, 'type', 'bridge']);
    made.push(dummy);
    await expect(deleteLink(dummy, 'veth')).rejects.toMatchObject({ code: 'EEXIST', path: dummy });
    expect(link(dummy)).toBe(true);
    expect(await deleteLink(dummy, 'bridge')).toBe(true);
    expect(link(dummy)).toBe(false);
    expect(await deleteLink(dummy)).toBe(false);
  });
});
