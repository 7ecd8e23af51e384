// The pure parts of the network: -p specs, the bridge's subnet, resolv.conf and hosts.
import { describe, expect, it } from 'vitest';
import { parseNetworkConfig, subnetText } from '../../../src-main/engine/network/network-config';
import { hostsFile, resolvConf } from '../../../src-main/engine/network/network-files';
import { formatPort, parsePortSpec } from '@shared/ports';
import { containerOptionsSchema } from '../../../src-main/engine/containers/options';

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
  });

  it("names the container's own address in /etc/hosts", () => {
    expect(hostsFile('web', '10.86.0.7')).toContain('10.86.0.7\tweb\n');
    expect(hostsFile('web', undefined)).toContain('127.0.1.1\tweb\n');
  });
});
