// /proc/<pid>/net/dev: the container's namespace, loopback excluded.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { netDevPath, parseNetDev, readNetDev, sumNetDev } from '../../../src-main/engine/stats/net-dev';
import { OpenFiles } from '../../../src-main/engine/stats/open-files';
import { PROC_FIXTURE } from './stats-fixtures';

const fixture = (pid: number): string => fs.readFileSync(netDevPath(pid, PROC_FIXTURE), 'utf8');

describe('parseNetDev', () => {
  it('reads every interface of a host namespace, skipping the two header lines', () => {
    expect(parseNetDev(fixture(4242))).toEqual([
      { name: 'lo', rxBytes: 6160211, txBytes: 6160211 },
      { name: 'ifb0', rxBytes: 0, txBytes: 0 },
      { name: 'ifb1', rxBytes: 0, txBytes: 0 },
      { name: 'eth0', rxBytes: 2218604249, txBytes: 11178700 },
    ]);
  });

  it('with a name prefix, only the interfaces so named (the sampler asks for the host ends of veths)', () => {
    expect(parseNetDev(fixture(4444), 'veth')).toEqual([{ name: 'veth1', rxBytes: 12345678901, txBytes: 4096 }]);
    expect(parseNetDev(fixture(4242), 'ifb')).toEqual([
      { name: 'ifb0', rxBytes: 0, txBytes: 0 },
      { name: 'ifb1', rxBytes: 0, txBytes: 0 },
    ]);
    expect(parseNetDev(fixture(4242), 'sv')).toEqual([]);
  });

  it('skips lines with too few or non-numeric fields, and takes tabs as spaces', () => {
    const text = 'Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n  eth0: 1 2 3\n  eth1: x 0 0 0 0 0 0 0 5\n\teth2:\t7 0 0 0 0 0 0 0\t9 0\n: 1 2 3 4 5 6 7 8 9\n';
    expect(parseNetDev(text)).toEqual([{ name: 'eth2', rxBytes: 7, txBytes: 9 }]);
  });

  it('sums without loopback, and with it only when asked', () => {
    const interfaces = parseNetDev(fixture(4242));
    expect(sumNetDev(interfaces)).toEqual({ rxBytes: 2218604249, txBytes: 11178700, interfaces: 3 });
    expect(sumNetDev(interfaces, { includeLoopback: true })).toEqual({ rxBytes: 2218604249 + 6160211, txBytes: 11178700 + 6160211, interfaces: 4 });
  });

  it('shows 0 bytes on 0 interfaces for a namespace with loopback only (a Strata container today)', () => {
    const interfaces = parseNetDev(fixture(4343));
    expect(interfaces).toEqual([{ name: 'lo', rxBytes: 336, txBytes: 336 }]);
    expect(sumNetDev(interfaces)).toEqual({ rxBytes: 0, txBytes: 0, interfaces: 0 });
  });

  it('splits at the colon when an old kernel printed a wide counter against the name', () => {
    expect(parseNetDev(fixture(4444))).toEqual([
      { name: 'lo', rxBytes: 1000, txBytes: 1000 },
      { name: 'eth0', rxBytes: 4294967296, txBytes: 123456789 },
      { name: 'veth1', rxBytes: 12345678901, txBytes: 4096 },
    ]);
  });

  it('skips malformed lines', () => {
    expect(parseNetDev('garbage\n  eth0: 1 2\n : 1 2 3 4 5 6 7 8 9\n  ok: 5 0 0 0 0 0 0 0 7 0 0 0 0 0 0 0\n')).toEqual([{ name: 'ok', rxBytes: 5, txBytes: 7 }]);
  });
});

describe('readNetDev', () => {
  it('reads a pid under an injected proc root, and null for a pid that is gone', async () => {
    const files = new OpenFiles();
    try {
      expect(await readNetDev(files, 4444, PROC_FIXTURE)).toEqual({ rxBytes: 4294967296 + 12345678901, txBytes: 123456789 + 4096, interfaces: 2 });
      expect(await readNetDev(files, 999_999, PROC_FIXTURE)).toBeNull();
    } finally {
      files.close();
    }
  });

  it('reads this process’s namespace on the real /proc', async () => {
    const files = new OpenFiles();
    try {
      const counters = await readNetDev(files, process.pid);
      expect(counters).not.toBeNull();
      expect(counters!.rxBytes).toBeGreaterThanOrEqual(0);
      expect(counters!.txBytes).toBeGreaterThanOrEqual(0);
      expect(path.isAbsolute(netDevPath(process.pid))).toBe(true);
    } finally {
      files.close();
    }
  });
});
