// A bridged `strata run` starts no helper process for its network: the namespace, veth,
// address and route come from the addon's rtnetlink, the port rules from one
// iptables-restore. Counted for real: the CLI runs with a PATH whose first directory
// holds wrappers for ip, unshare, nsenter, iptables and iptables-restore that log their
// name and arguments and then run the host's tool.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';

const TOOLS = ['ip', 'unshare', 'nsenter', 'iptables', 'iptables-restore'];
let work: string;
let root: string;
let log: string;
let env: NodeJS.ProcessEnv;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8', env });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The wrapped tools started since the last call, one line each: `ip link …`. */
function started(): string[] {
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  fs.rmSync(log, { force: true });
  return lines;
}

beforeAll(() => {
  work = makeTempDir('cli-net-spawns');
  root = path.join(work, 'store');
  log = path.join(work, 'spawned.log');
  const wrappers = path.join(work, 'bin');
  fs.mkdirSync(wrappers);
  for (const tool of TOOLS) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(wrappers, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  }
  env = { ...process.env, PATH: `${wrappers}:${process.env.PATH}` };
  const { a } = testImages(work);
  expect(strata('import', writeDockerArchive(work, [a])).code).toBe(0);
});

afterAll(() => {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('a bridged start', () => {
  it('spawns no ip, unshare or nsenter, and once the bridge is known, no iptables', () => {
    // The first run may check the bridge's loopback guard (once a bridge, not a run).
    expect(strata('run', '--rm', 'test/a:1', 'true')).toMatchObject({ code: 0 });
    expect(started().filter((line) => !line.startsWith('iptables '))).toEqual([]);
    const result = strata('run', '--rm', 'test/a:1', 'sh', '-c', 'cat /proc/net/route');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^eth0\s+00000000\s+/m); // its default route, through eth0
    expect(started()).toEqual([]);
  });

  it('with published ports: one iptables-restore to add them, one to remove them', () => {
    expect(strata('run', '--rm', '-p', '127.0.0.1::80', '-p', '127.0.0.1::81/udp', 'test/a:1', 'true')).toMatchObject({ code: 0 });
    const lines = started();
    expect(lines.filter((line) => /^(ip|unshare|nsenter) /.test(line))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('iptables-restore '))).toEqual(['iptables-restore --noflush -w', 'iptables-restore --noflush -w']);
  });
});
