// The pure parts of the network: -p specs, the bridge's subnet, resolv.conf and hosts, the
// --network modes, and pasta's command line.
import { describe, expect, it } from 'vitest';
import { parseNetworkConfig, subnetText } from '../../../src-main/engine/network/network-config';
import { hostsFile, resolvConf } from '../../../src-main/engine/network/network-files';
import { formatPort, parsePortSpec } from '@shared/ports';
import { containerOptionsSchema, parseNetworkMode } from '../../../src-main/engine/containers/options';
import { checkNetworkMode } from '../../../src-main/engine/network/container-network';
import { pastaArgs } from '../../../src-main/engine/network/pasta';
import { enginePrivilege } from '../../../src-main/engine/rootless/privilege';

describe('-p', () => {
  it("takes Docker's forms, on 127.0.0.1 unless an address is given", () => {
    expect(parsePortSpec('80')).toEqual({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    expect(parsePortSpec('8080:80')).toEqual({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePortSpec('0.0.0.0:53:53/udp')).toEqual({ hostIp: '0.0.0.0', hostPort: 53, containerPort: 53, protocol: 'udp' });
    expect(parsePortSpec('127.0.0.1::80')).toEqual({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    expect(formatPort(parsePortSpec('8080:80'))).toBe('127.0.0.1:8080->80/tcp');
  });

  it.each([
    ['', /expected \[HOST_IP:\]/],
    ['80/sctp', /tcp or udp/],
    ['70000', /not a port/],
    ['8000-8010:80', /ranges are not supported/],
    ['::1:80:80', /expected/],
    ['localhost:80:80', /not an IPv4 address/],
    ['1:2:3:4', /expected/],
    ['0:80', /not a port/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePortSpec(text)).toThrow(message);
  });

  it('is checked the same way when it arrives through the API', () => {
    const parsed = containerOptionsSchema().safeParse({ publish: [{ containerPort: 80 }] });
    expect(parsed.success && parsed.data.publish).toEqual([{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    expect(containerOptionsSchema().safeParse({ publish: [{ containerPort: 80, hostIp: 'example.com' }] }).success).toBe(false);
    expect(containerOptionsSchema().safeParse({ network: 'none', publish: [{ containerPort: 80 }] }).success).toBe(false);
    expect(containerOptionsSchema().safeParse({ network: 'overlay' }).success).toBe(false);
    expect(containerOptionsSchema().safeParse({ network: 'pasta', publish: [{ containerPort: 80 }] }).success).toBe(true);
  });
});

describe('--network', () => {
  it('takes the five modes, and names them when it refuses one', () => {
    for (const mode of ['bridge', 'host', 'none', 'slirp4netns', 'pasta']) expect(parseNetworkMode(mode)).toBe(mode);
    expect(() => parseNetworkMode('mynet')).toThrow('--network "mynet": expected bridge, host, none, slirp4netns or pasta (named networks are not supported yet)');
  });

  it.skipIf(enginePrivilege() === 'rootless')("refuses the rootless engine's user-mode networks outside it", () => {
    for (const mode of ['slirp4netns', 'pasta'] as const) expect(() => checkNetworkMode(mode)).toThrow(`${mode} is the rootless engine's network: the system engine uses the bridge (the default)`);
  });
});

describe("pasta's command line", () => {
  const args = (ports: Parameters<typeof pastaArgs>[1]) => pastaArgs('/b/netns', ports).join(' ');

  it("joins the engine's namespace, sets slirp4netns's addresses, and keeps the host's loopback closed", () => {
    const line = args([]);
    expect(line).toContain('--config-net --ipv4-only --ns-ifname eth0 --address 10.0.2.100 --netmask 24 --gateway 10.0.2.2');
    expect(line).toContain('--no-map-gw --tcp-ns none --udp-ns none');
    expect(line).toContain('--log-file /b/pasta.log --pid /b/pasta.pid --netns /b/netns');
    // nothing published: not pasta's default of every port the container listens on
    expect(line).toContain('--tcp-ports none --udp-ports none');
  });

  it('publishes each port on its address, host port to container port, TCP and UDP apart', () => {
    const line = args([
      { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' },
      { hostIp: '127.0.0.1', hostPort: 8443, containerPort: 443, protocol: 'tcp' },
    ]);
    expect(line).toContain('--tcp-ports 127.0.0.1/8080:80 --tcp-ports 127.0.0.1/8443:443 --udp-ports 0.0.0.0/5353:53');
    expect(line).not.toContain('none --udp-ports');
  });
});

describe('the bridge subnet', () => {
  it('is an IPv4 network with a prefix of 16 to 28 and no host bits', () => {
    expect(subnetText(parseNetworkConfig('strata0', '192.168.77.0/24'))).toBe('192.168.77.0/24');
    expect(() => parseNetworkConfig('strata0', '10.86.0.1/24')).toThrow(/host bits are set/);
    expect(() => parseNetworkConfig('strata0', '10.0.0.0/8')).toThrow(/prefix 16 to 28/);
    expect(() => parseNetworkConfig('strata0', '10.0.0/24')).toThrow(/IPv4 network/);
    expect(() => parseNetworkConfig('a-bridge-name-too-long', '10.86.0.0/24')).toThrow(/1 to 15/);
    expect(() => parseNetworkConfig('br;rm', '10.86.0.0/24')).toThrow(/bridge name/);
  });
});

describe('network files', () => {
  it("drops the host's loopback name servers on the bridge, falling back to public ones", () => {
    expect(resolvConf('bridge', 'search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n')).toBe('search lan\nnameserver 10.0.0.1\n');
    expect(resolvConf('bridge', 'nameserver 127.0.0.53\noptions edns0\n')).toBe('options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(resolvConf('host', 'nameserver 127.0.0.53\n')).toBe('nameserver 127.0.0.53\n');
    expect(resolvConf('none', 'nameserver 10.0.0.1\n')).toBe('');
    // pasta as the bridge: the host's servers through its NAT, the loopback ones left out
    expect(resolvConf('pasta', 'search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n')).toBe('search lan\nnameserver 10.0.0.1\n');
    expect(resolvConf('pasta', 'nameserver 127.0.0.53\n')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  it("names the container's own address in /etc/hosts", () => {
    expect(hostsFile('web', '10.86.0.7')).toContain('10.86.0.7\tweb\n');
    expect(hostsFile('web', undefined)).toContain('127.0.1.1\tweb\n');
  });
});
