// `strata run`, `ps`, `logs`, `stop`, `rm` as a user types them (the built CLI, real containers).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestImage, makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';
import { memoryLimit } from '../helpers/cgroups';

let work: string;
let root: string;
let a: TestImage;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  work = makeTempDir('cli-containers');
  root = path.join(work, 'store');
  ({ a } = testImages(work));
  expect(strata('import', writeDockerArchive(work, [a])).code).toBe(0);
});

afterAll(() => {
  strata('rm', '-f', ...JSON.parse(strata('ps', '-a', '--json').stdout).map((c: { id: string }) => c.id));
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('strata run and friends', () => {
  it('an attached run streams stdout and stderr and returns the exit code', () => {
    const result = strata('run', '--rm', '-e', 'WHO=world', '-w', '/app', 'test/a:1', 'sh', '-c', 'echo hello $WHO from $(pwd); echo warning >&2; exit 5');
    expect(result).toEqual({ code: 5, stdout: 'hello world from /app\n', stderr: 'warning\n' });
    expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]);
  });

  it('runs detached; ps, logs, stop and rm manage it', () => {
    const volume = path.join(work, 'shared');
    fs.mkdirSync(volume);
    const started = strata('run', '-d', '--name', 'web', '-v', `${volume}:/data`, 'test/a:1', 'sh', '-c', 'trap "echo bye; exit 0" TERM; echo started; echo kept > /data/out.txt; while true; do sleep 1; done');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const ps = strata('ps');
    expect(ps.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(ps.stdout).toMatch(/test\/a:1 .* Up .* web/);
    // the command as a shell reads it, its script one quoted word (cut at 20 characters, as docker cuts)
    expect(ps.stdout).toContain(`"sh -c 'trap "echo b…"`);
    for (let i = 0; i < 500 && !fs.existsSync(path.join(volume, 'out.txt')); i++) spawnSync('sleep', ['0.02']);
    expect(fs.readFileSync(path.join(volume, 'out.txt'), 'utf8')).toBe('kept\n');
    expect(strata('logs', 'web')).toMatchObject({ code: 0, stdout: 'started\n' });
    expect(strata('logs', '-t', 'web').stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z started\n$/);
    expect(strata('rm', 'web')).toMatchObject({ code: 1, stderr: 'strata rm: container web is running: stop it first or use --force [CONFLICT]\n' });
    expect(strata('stop', '-t', '5', 'web')).toMatchObject({ code: 0, stdout: 'web\n' });
    expect(strata('ps', '-a').stdout).toMatch(/Exited \(0\)/);
    expect(strata('logs', '--tail', '1', 'web').stdout).toBe('bye\n');
    expect(strata('rm', 'web')).toMatchObject({ code: 0, stdout: 'web\n' });
  });

  it('a missing program exits 127 and a non-executable one 126, with a message', () => {
    const missing = strata('run', '--rm', 'test/a:1', 'nosuch');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/exec nosuch: not found/);
    const notExecutable = strata('run', '--rm', 'test/a:1', '/etc/passwd');
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.stderr).toMatch(/exec \/etc\/passwd: Permission denied/);
    expect(strata('run', '--rm', 'test/a:1', 'false').code).toBe(1);
    expect(strata('run', '--rm', 'test/a:1', 'true').code).toBe(0);
  });

  it('options after the image belong to the container; bad flags are usage errors', () => {
    expect(strata('run', '--rm', 'test/a:1', 'sh', '-c', 'echo -n ok')).toMatchObject({ code: 0, stdout: 'ok' });
    expect(strata('run', '--bogus', 'test/a:1').code).toBe(2);
    expect(strata('run', '--memory', 'lots', 'test/a:1', 'true')).toMatchObject({ code: 1 });
    expect(strata('run', 'nope:1', 'true')).toMatchObject({ code: 1, stderr: 'strata run: no such image: nope:1 [NOT_FOUND]\n' });
  });
});

describe('strata run --device and --privileged', () => {
  // /dev/kmsg (c 1:11): opening it write-only needs no syslog right, so only the device policy decides
  const probe = 'if (exec 3>/dev/kmsg) 2>/dev/null; then echo w; fi; if (exec 3</dev/kmsg) 2>/dev/null; then echo r; else echo r-refused; fi';

  it('--device gives the node with the access it names; --privileged lifts the policy; inspect shows both', () => {
    expect(strata('run', '--rm', '--device', '/dev/kmsg:w', 'test/a:1', 'sh', '-c', probe)).toEqual({ code: 0, stdout: 'w\nr-refused\n', stderr: '' });
    const privileged = strata('run', '--name', 'priv', '--privileged', '--device', '/dev/kmsg:/dev/kmsg:w', 'test/a:1', 'sh', '-c', '(exec 3>/dev/kmsg) && echo w');
    expect(privileged).toEqual({ code: 0, stdout: 'w\n', stderr: '' });
    const [inspected] = JSON.parse(strata('inspect', 'priv').stdout) as { options: Record<string, unknown> }[];
    expect(inspected!.options).toMatchObject({ privileged: true, devices: [{ hostPath: '/dev/kmsg', containerPath: '/dev/kmsg', permissions: 'w' }] });
    expect(strata('rm', 'priv').code).toBe(0);
  });

  it('refuses a missing or non-device path and bad permissions, creating nothing', () => {
    const before = strata('ps', '-a', '--json').stdout;
    expect(strata('run', '--device', '/dev/no-such-node', 'test/a:1', 'true')).toMatchObject({ code: 1, stderr: 'strata run: --device /dev/no-such-node: no such file on the host [NOT_FOUND]\n' });
    expect(strata('run', '--device', '/etc/passwd:/dev/x', 'test/a:1', 'true').stderr).toMatch(/^strata run: --device \/etc\/passwd: not a device node .*\[INVALID_ARGUMENT\]\n$/);
    expect(strata('run', '--device', '/dev/kmsg:/dev/kmsg:rx', 'test/a:1', 'true').stderr).toMatch(/permissions "rx": use r, w and m.*\[INVALID_ARGUMENT\]/);
    expect(strata('ps', '-a', '--json').stdout).toBe(before);
  });
});

describe('strata diff, commit, update, exec, ps --filter', () => {
  it('diff prints A/C/D lines; commit makes an image that runs; update and exec act on a running container', () => {
    expect(strata('run', '--name', 'changer', 'test/a:1', 'sh', '-c', 'echo hi > /app/hi.txt; rm /etc/app.conf').code).toBe(0);
    expect(strata('diff', 'changer')).toEqual({ code: 0, stdout: 'C /app\nA /app/hi.txt\nC /etc\nD /etc/app.conf\n', stderr: '' });
    const committed = strata('commit', '-m', 'say hi', '-c', 'CMD ["cat", "/app/hi.txt"]', 'changer', 'test/hi:1');
    expect(committed.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(strata('run', '--rm', 'test/hi:1')).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect(strata('history', 'test/hi:1').stdout).toMatch(/strata commit changer/);

    expect(strata('run', '-d', '--name', 'limited', '-m', '64m', 'test/a:1', 'sleep', '60').code).toBe(0);
    expect(strata('update', '-m', '96m', '--pids-limit', '30', 'limited')).toEqual({ code: 0, stdout: 'limited\n', stderr: '' });
    const [{ id }] = JSON.parse(strata('inspect', 'limited').stdout) as [{ id: string }];
    expect(memoryLimit(id)).toBe(String(96 * 1024 * 1024));
    expect(strata('update', 'limited')).toMatchObject({ code: 1, stderr: expect.stringContaining('nothing to update') });
    expect(strata('update', '-m', 'lots', 'limited')).toMatchObject({ code: 1, stderr: expect.stringContaining('[INVALID_ARGUMENT]') });

    expect(strata('exec', '-e', 'X=1', 'limited', 'sh', '-c', 'echo in $X $(hostname); exit 3')).toMatchObject({ code: 3, stdout: `in 1 ${id.slice(0, 12)}\n` });
    expect(strata('exec', 'limited', 'no-such-program')).toMatchObject({ code: 127, stderr: expect.stringContaining('not found') });
    const stats = strata('stats', '--no-stream', 'limited');
    expect(stats.stdout).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n/);
    // the window's units and figures: MiB, one decimal at most, no trailing zeros
    expect(stats.stdout).toMatch(new RegExp(`${id.slice(0, 12)}\\s+limited\\s+\\d+(\\.\\d)?%\\s+[\\d.]+ (B|KiB|MiB) / 96 MiB\\s+\\d+(\\.\\d)?%`));
    expect(strata('stats', '--history', 'limited', '--format', 'csv').stdout).toMatch(/^time,timestampMs,samples,cpuPercent/);
    expect(strata('stats', '--history', 'limited', '--format', 'xml')).toMatchObject({ code: 1, stderr: expect.stringContaining('use csv or json') });
    expect(strata('ps', '-q', '-f', 'name=limit').stdout.trim()).toBe(id.slice(0, 12));
    expect(strata('ps', '--format', 'json', '-f', 'status=exited').stdout).toContain('"changer"');
    expect(strata('ps', '-f', 'colour=blue')).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown filter "colour"') });
    expect(strata('rm', '-f', 'limited', 'changer').code).toBe(0);
    expect(strata('rmi', 'test/hi:1').code).toBe(0);
  });

  it('two `run --name x` at once: one wins, the other gets CONFLICT', async () => {
    const runOne = () =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, '--root', root, 'run', '-d', '--name', 'racer', 'test/a:1', 'sleep', '30'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
      });
    const results = await Promise.all([runOne(), runOne()]);
    expect(results.map((result) => result.code).sort()).toEqual([0, 1]);
    expect(results.find((result) => result.code === 1)?.stderr).toMatch(/the container name "racer" is already in use \[CONFLICT\]/);
    expect(JSON.parse(strata('ps', '-a', '--json', '-f', 'name=racer').stdout)).toHaveLength(1);
    expect(strata('rm', '-f', 'racer').code).toBe(0);
  });

  it('publishes a port with -p: ps shows where, the host reaches it; bad -p and --network values are refused', async () => {
    const www = path.join(work, 'www');
    fs.mkdirSync(www);
    fs.writeFileSync(path.join(www, 'index.html'), 'hello over the bridge\n');
    const started = strata('run', '-d', '--name', 'pub', '-p', '127.0.0.1::80', '-v', `${www}:/www:ro`, 'test/a:1', '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/www');
    expect(started.code, started.stderr).toBe(0);
    const port = /127\.0\.0\.1:(\d+)->80\/tcp/.exec(strata('ps').stdout)?.[1];
    expect(port).toBeDefined();
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await fetch(`http://127.0.0.1:${port}/index.html`).then((response) => response.text(), () => '');
      if (body === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(body).toBe('hello over the bridge\n');
    expect(strata('rm', '-f', 'pub').code).toBe(0);

    const badPort = strata('run', '--rm', '-p', '80:http', 'test/a:1', 'true');
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toMatch(/-p "80:http": the container port "http" is not a port \(1 to 65535\) \[INVALID_ARGUMENT\]/);
    const badNetwork = strata('run', '--rm', '--network', 'mynet', 'test/a:1', 'true');
    expect(badNetwork.stderr).toMatch(/--network "mynet": expected bridge, host, none, slirp4netns or pasta/);
    const hostPorts = strata('run', '--rm', '--network', 'host', '-p', '8080:80', 'test/a:1', 'true');
    expect(hostPorts.stderr).toMatch(/publishing ports needs the bridge network/);
    expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]);
  });
});
