import os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  containerOptionsSchema,
  parseCpus,
  parseEnv,
  parseLabels,
  parseMemory,
  parseRestartPolicy,
  parseVolume,
  validateContainerName,
  validateResources,
} from '../../../src-main/engine/containers/options';
import { StrataError } from '@shared/errors';

const MiB = 1024 * 1024;

/** Expects fn to throw INVALID_ARGUMENT with a message matching pattern. */
function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StrataError);
  expect((thrown as StrataError).code).toBe('INVALID_ARGUMENT');
  expect((thrown as StrataError).message).toMatch(pattern);
}

describe('parseMemory', () => {
  it.each([
    ['512m', 512 * MiB],
    ['512M', 512 * MiB],
    ['512mb', 512 * MiB],
    ['512MiB', 512 * MiB],
    ['512 m', 512 * MiB],
    ['1g', 1024 * MiB],
    ['1.5g', 1536 * MiB],
    ['.5g', 512 * MiB],
    ['6144k', 6 * MiB],
    ['6144kb', 6 * MiB],
    ['6291456', 6 * MiB],
    ['6291456b', 6 * MiB],
    ['1t', 1024 ** 4],
    [' 8m ', 8 * MiB],
  ])('%j → %d bytes', (text, bytes) => {
    expect(parseMemory(text, '--memory')).toBe(bytes);
  });

  it.each([
    ['', /expected a size/],
    ['m', /expected a size/],
    ['-512m', /expected a size/],
    ['512x', /expected a size/],
    ['512mm', /expected a size/],
    ['512ib', /expected a size/],
    ['1e9', /expected a size/],
    ['1.2.3m', /expected a size/],
    ['0x10m', /expected a size/],
    ['512 m b', /expected a size/],
    ['5m', /minimum is 6m/],
    ['0', /minimum is 6m/],
    ['6291455', /minimum is 6m/],
    ['99999999p', /too large/],
  ])('%j is refused', (text, pattern) => {
    expectInvalid(() => parseMemory(text, '--memory'), pattern);
  });

  it('names the flag and the value', () => {
    expectInvalid(() => parseMemory('lots', '--memory-reservation'), /^--memory-reservation "lots": /);
  });
});

describe('parseCpus', () => {
  const host = os.availableParallelism();
  it.each([
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1', 1],
    ['0.01', 0.01],
    [String(host), host],
  ])('%j → %d', (text, cpus) => {
    expect(parseCpus(text)).toBe(cpus);
  });

  it.each([
    ['', /expected a number of CPUs/],
    ['half', /expected a number of CPUs/],
    ['-1', /expected a number of CPUs/],
    ['1e1', /expected a number of CPUs/],
    ['1.', /expected a number of CPUs/],
    ['0', /range is 0.01 to/],
    ['0.001', /range is 0.01 to/],
    [String(host + 1), new RegExp(`this host has ${host} CPU`)],
    ['1000000', /range is 0.01 to/],
  ])('%j is refused', (text, pattern) => {
    expectInvalid(() => parseCpus(text), pattern);
  });
});

describe('parseVolume', () => {
  it.each([
    ['/host:/ctr', { source: '/host', destination: '/ctr', readonly: false }],
    ['/host:/ctr:rw', { source: '/host', destination: '/ctr', readonly: false }],
    ['/host:/ctr:ro', { source: '/host', destination: '/ctr', readonly: true }],
    ['/a/b/../c/:/data/./x/', { source: '/a/c', destination: '/data/x', readonly: false }],
    ['/:/host', { source: '/', destination: '/host', readonly: false }],
    ['/dev/shm:/dev/shm', { source: '/dev/shm', destination: '/dev/shm', readonly: false }],
    ['/srv:/process', { source: '/srv', destination: '/process', readonly: false }],
    ['/with space:/with space:ro', { source: '/with space', destination: '/with space', readonly: true }],
  ])('%j', (text, volume) => {
    expect(parseVolume(text)).toEqual(volume);
  });

  it.each([
    ['/only', /expected \/host\/path:\/container\/path/],
    ['', /expected \/host\/path:\/container\/path/],
    [':/ctr', /expected \/host\/path:\/container\/path/],
    ['/host:', /expected \/host\/path:\/container\/path/],
    ['/host::ro', /expected \/host\/path:\/container\/path/],
    ['/a:/b:ro:extra', /expected \/host\/path:\/container\/path/],
    ['/a:b:/c', /unknown mode "\/c"/],
    ['/a:/b:RO', /unknown mode "RO"/],
    ['/a:/b:z', /unknown mode "z"/],
    ['/a:/b:ro,rw', /unknown mode/],
    ['data:/ctr', /source "data" must be an absolute host path/],
    ['./rel:/ctr', /source ".\/rel" must be an absolute host path/],
    ['/host:ctr', /destination "ctr" must be an absolute path/],
    ['/host:/', /destination cannot be \//],
    ['/host:/a/..', /destination cannot be \//],
    ['/host:/dev', /destination cannot be \/dev$/],
    ['/host:/proc', /destination cannot be \/proc$/],
    ['/host:/proc/sys', /destination cannot be \/proc\/sys$/],
  ])('%j is refused', (text, pattern) => {
    expectInvalid(() => parseVolume(text), pattern);
  });
});

describe('parseRestartPolicy', () => {
  it.each([
    ['no', { name: 'no' }],
    ['', { name: 'no' }],
    ['always', { name: 'always' }],
    ['unless-stopped', { name: 'unless-stopped' }],
    ['on-failure', { name: 'on-failure' }],
    ['on-failure:0', { name: 'on-failure', maxRetries: 0 }],
    ['on-failure:5', { name: 'on-failure', maxRetries: 5 }],
  ])('%j', (text, policy) => {
    expect(parseRestartPolicy(text)).toEqual(policy);
  });

  it.each([
    ['sometimes', /unknown policy/],
    ['Always', /unknown policy/],
    ['always:3', /only with on-failure/],
    ['no:1', /only with on-failure/],
    ['on-failure:', /whole number/],
    ['on-failure:-1', /whole number/],
    ['on-failure:two', /whole number/],
    ['on-failure:1:2', /expected no, always/],
  ])('%j is refused', (text, pattern) => {
    expectInvalid(() => parseRestartPolicy(text), pattern);
  });
});

describe('parseEnv', () => {
  it('keeps KEY=VALUE, values may hold = and be empty, later keys win in place', () => {
    expect(parseEnv(['A=1', 'B=x=y', 'C=', 'A=2'])).toEqual(['A=2', 'B=x=y', 'C=']);
  });

  it('takes a bare KEY from the caller environment and drops it when unset there', () => {
    expect(parseEnv(['HOME', 'MISSING', 'X=1'], { HOME: '/home/me' })).toEqual(['HOME=/home/me', 'X=1']);
  });

  it.each([
    [['=value'], /non-empty KEY/],
    [['='], /non-empty KEY/],
    [[''], /non-empty KEY/],
    [['A B=1'], /without spaces/],
    [['A=\0'], /NUL/],
    [['BARE'], /expected KEY=VALUE/],
  ])('%j is refused', (entries, pattern) => {
    expectInvalid(() => parseEnv(entries), pattern);
  });
});

describe('parseLabels', () => {
  it('takes key=value, bare keys as empty values, later keys win', () => {
    expect(parseLabels(['a=1', 'com.example.b=x=y', 'flag', 'a=2'])).toEqual({ a: '2', 'com.example.b': 'x=y', flag: '' });
  });

  it.each([
    [['=v'], /no name/],
    [[''], /no name/],
    [['a b=c'], /whitespace/],
  ])('%j is refused', (entries, pattern) => {
    expectInvalid(() => parseLabels(entries), pattern);
  });
});

describe('validateContainerName', () => {
  it.each([
    ['web', 'web'],
    ['/web', 'web'],
    ['a1', 'a1'],
    ['My_app.v2-test', 'My_app.v2-test'],
    ['0abc', '0abc'],
  ])('%j → %j', (name, out) => {
    expect(validateContainerName(name)).toBe(out);
  });

  it.each(['', 'a', '/a', '_web', '-web', '.web', 'we b', 'web/1', '//web', 'wéb', 'web:1'])('%j is refused', (name) => {
    expectInvalid(() => validateContainerName(name), /invalid container name/);
  });
});

describe('validateResources', () => {
  it.each([
    [{ memory: 8 * MiB, memorySwap: 16 * MiB, memoryReservation: 6 * MiB }],
    [{ memory: 8 * MiB, memorySwap: 8 * MiB }],
    [{ memorySwap: -1 }],
    [{ memoryReservation: 64 * MiB }],
  ])('accepts %j', (options) => {
    expect(() => validateResources(options)).not.toThrow();
  });

  it.each([
    [{ memorySwap: 16 * MiB }, /needs --memory/],
    [{ memory: 16 * MiB, memorySwap: 8 * MiB }, /below --memory/],
    [{ memory: 8 * MiB, memoryReservation: 16 * MiB }, /above --memory/],
  ])('refuses %j', (options, pattern) => {
    expectInvalid(() => validateResources(options), pattern);
  });
});

describe('containerOptionsSchema', () => {
  it('accepts a full parsed form', () => {
    const options = {
      name: 'web',
      command: ['sh', '-c', 'echo hi'],
      entrypoint: [],
      env: ['A=1', 'EMPTY='],
      workdir: '/srv',
      user: 'app:staff',
      hostname: 'box',
      volumes: [{ source: '/data', destination: '/data', readonly: true }],
      memory: 512 * MiB,
      memorySwap: -1,
      memoryReservation: 256 * MiB,
      cpus: 0.5,
      cpuShares: 512,
      pidsLimit: 100,
      restart: { name: 'on-failure' as const, maxRetries: 3 },
      labels: { 'com.example': 'x' },
      stopSignal: 'SIGINT',
      stopTimeout: 5,
      devices: [{ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rw' }],
      privileged: false,
    };
    expect(containerOptionsSchema().parse(options)).toEqual(options);
    expect(containerOptionsSchema().parse({})).toEqual({});
  });

  it.each([
    [{ name: '_x' }, 'name'],
    [{ env: ['NOVALUE'] }, 'env'],
    [{ workdir: 'srv' }, 'workdir'],
    [{ user: 'a:b:c' }, 'user'],
    [{ hostname: 'a'.repeat(65) }, 'hostname'],
    [{ volumes: [{ source: 'rel', destination: '/d', readonly: false }] }, 'volumes'],
    [{ volumes: [{ source: '/s', destination: '/', readonly: false }] }, 'volumes'],
    [{ memory: 1024 }, 'memory'],
    [{ memory: 1.5 * MiB * 10 + 0.5 }, 'memory'],
    [{ memorySwap: -2 }, 'memorySwap'],
    [{ cpus: 0 }, 'cpus'],
    [{ cpus: os.availableParallelism() + 1 }, 'cpus'],
    [{ cpuShares: 1 }, 'cpuShares'],
    [{ pidsLimit: -2 }, 'pidsLimit'],
    [{ restart: { name: 'always', maxRetries: 2 } }, 'restart'],
    [{ restart: { name: 'sometimes' } }, 'restart'],
    [{ labels: { '': 'x' } }, 'labels'],
    [{ stopSignal: 'sig term' }, 'stopSignal'],
    [{ stopTimeout: -1 }, 'stopTimeout'],
    [{ devices: [{ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwx' }] }, 'devices'],
    [{ devices: [{ hostPath: '/dev/fuse', containerPath: '/proc/fuse', permissions: 'rw' }] }, 'devices'],
    [{ privileged: 'yes' }, 'privileged'],
    [{ unknown: true }, ''],
    [{ memory: 8 * MiB, memorySwap: 7 * MiB }, ''],
  ])('refuses %j', (options, field) => {
    const result = containerOptionsSchema().safeParse(options);
    expect(result.success).toBe(false);
    if (field) expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });
});
