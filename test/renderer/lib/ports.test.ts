// Published ports in the window (src-renderer/src/lib/ports.ts): the run dialog's `-p` words,
// malformed ones refused before they are sent; a container's ports as the list shows them;
// and the link a published TCP port gets.
import { describe, expect, it } from 'vitest';
import { describePorts, parsePortLine, portUrl } from '../../../src-renderer/src/lib/ports';

describe('parsePortLine', () => {
  it('reads every form Docker takes, on 127.0.0.1 unless an address is given', () => {
    expect(parsePortLine('8080:80')).toEqual({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePortLine('80')).toEqual({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    expect(parsePortLine('0.0.0.0:8080:80/udp')).toEqual({ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'udp' });
    expect(parsePortLine('127.0.0.1::80')).toEqual({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    expect(parsePortLine('53/udp')).toEqual({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 53, protocol: 'udp' });
    expect(parsePortLine(':80')).toEqual({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    expect(parsePortLine('  443:443/tcp \n')).toEqual({ hostIp: '127.0.0.1', hostPort: 443, containerPort: 443, protocol: 'tcp' });
  });

  it('takes the ends of the port range and refuses past them', () => {
    expect(parsePortLine('1:65535')).toEqual({ hostIp: '127.0.0.1', hostPort: 1, containerPort: 65535, protocol: 'tcp' });
    expect(parsePortLine('65536')).toBeUndefined();
    expect(parsePortLine('0')).toBeUndefined();
    expect(parsePortLine('0:80')).toBeUndefined();
    expect(parsePortLine('8080:65536')).toBeUndefined();
    expect(parsePortLine('99999999999999999999:80')).toBeUndefined();
  });

  it('refuses addresses that are not IPv4', () => {
    expect(parsePortLine('256.0.0.1:80:80')).toBeUndefined();
    expect(parsePortLine('1.2.3:80:80')).toBeUndefined();
    expect(parsePortLine('[::1]:80:80')).toBeUndefined();
    expect(parsePortLine('localhost:80:80')).toBeUndefined();
    expect(parsePortLine('01.2.3.4:80:80')).toBeUndefined(); // a leading zero reads as octal elsewhere
  });

  it('refuses what is not a port spec', () => {
    for (const text of ['', ' ', 'http', '80/sctp', '8080:80:', '8080-8090:80', '-1', '80.5', '1:2:3', 'a:80', '80 81']) {
      expect(parsePortLine(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('describePorts', () => {
  it('lists what is published while it runs, then what the image exposes that is not', () => {
    const lines = describePorts({
      state: {
        status: 'running',
        network: {
          address: '10.88.0.2',
          gateway: '10.88.0.1',
          prefix: 16,
          ports: [
            { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
            { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' },
          ],
        },
      },
      exposedPorts: ['80/tcp', '53/tcp', '443/tcp'],
    });
    // 53/tcp stays: only 53/udp is published.
    expect(lines).toEqual(['127.0.0.1:8080→80/tcp', '0.0.0.0:5353→53/udp', '53/tcp', '443/tcp']);
  });

  it('shows only exposed ports for a container that does not run, and nothing for none', () => {
    expect(describePorts({ state: { status: 'exited' }, exposedPorts: ['80/tcp'] })).toEqual(['80/tcp']);
    expect(describePorts({ state: { status: 'created' } })).toEqual([]);
  });
});

describe('portUrl', () => {
  it('links a published TCP port, reaching 0.0.0.0 on localhost', () => {
    expect(portUrl({ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' })).toBe('http://127.0.0.1:8080/');
    expect(portUrl({ hostIp: '192.168.1.5', hostPort: 3000, containerPort: 3000, protocol: 'tcp' })).toBe('http://192.168.1.5:3000/');
  });

  it('has no link for UDP or a port not yet chosen', () => {
    expect(portUrl({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' })).toBeUndefined();
    expect(portUrl({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' })).toBeUndefined();
  });
});
