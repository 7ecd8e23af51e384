// The security options seen from inside running containers (real kernel, the engine and
// strata-runtime): --cap-drop/--cap-add in /proc/self/status and in what root may do, an
// exec'd process with the container's set, no_new_privs off on request, and --read-only's
// root refusing writes while its tmpfs, /dev/shm and a volume take them. Bad names are
// refused at create, before anything is made.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import { Engine } from '../../../src-main/engine/index';
import { privilegedCapabilities } from '../../../src-main/engine/runtime/spec-builder';
import { StrataError } from '@shared/errors';
import { logText, removeTestStore } from '../../helpers/containers';
import { DOCKER_CAPABILITIES, capabilityNames } from '../../helpers/docker-defaults';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('security-options-run: skipped, running containers through the engine needs root');

let work: string;
let engine: Engine;

beforeAll(async () => {
  if (!isRoot) return;
  work = makeTempDir('security-options-run');
  const { a } = testImages(work);
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  if (isRoot) await removeTestStore(engine, work);
});

/** Runs `script` with `options` to its end: its exit code and what it printed. */
async function run(script: string, options: ContainerOptions = {}): Promise<{ exitCode: number | undefined; output: string }> {
  const container = await engine.runContainer('test/a:1', { network: 'none', ...options, command: ['sh', '-c', script] });
  const exitCode = await engine.waitContainer(container.id);
  const output = logText(engine, container.id);
  await engine.removeContainer(container.id, { force: true });
  return { exitCode, output };
}

/** A field of /proc/self/status as the container printed it. */
function statusField(status: string, key: string): string {
  return status.split('\n').find((line) => line.startsWith(`${key}:`))?.slice(key.length + 1).trim() ?? '';
}

function codeOf(error: unknown): string | undefined {
  return error instanceof StrataError ? error.code : undefined;
}

describe.skipIf(!isRoot)('capabilities, seen from inside', () => {
  it('--cap-drop ALL: root holds nothing (CapEff 0), and an exec’d process neither', async () => {
    const container = await engine.runContainer('test/a:1', { network: 'none', capDrop: ['ALL'], command: ['sleep', '60'] });
    try {
      const exec = await engine.execContainer(container.id, { command: ['cat', '/proc/self/status'] });
      expect(exec.exitCode).toBe(0);
      for (const key of ['CapEff', 'CapPrm', 'CapBnd']) expect(statusField(exec.stdout!, key), key).toBe('0000000000000000');
      expect((await engine.execContainer(container.id, { command: ['cat', '/proc/1/status'] })).stdout).toMatch(/^CapEff:\s+0000000000000000$/m);
    } finally {
      await engine.removeContainer(container.id, { force: true });
    }
  });

  it('--cap-add SYS_ADMIN: the bit is there, on top of the defaults', async () => {
    const { exitCode, output } = await run('cat /proc/self/status', { capAdd: ['SYS_ADMIN'] });
    expect(exitCode).toBe(0);
    expect(capabilityNames(statusField(output, 'CapEff'))).toEqual([...DOCKER_CAPABILITIES, 'CAP_SYS_ADMIN'].sort());
    expect((BigInt(`0x${statusField(output, 'CapEff')}`) >> 21n) & 1n).toBe(1n); // CAP_SYS_ADMIN is bit 21
  });

  it('--cap-drop chown: root’s chown fails with EPERM; with the default set it works', async () => {
    const script = 'busybox touch /tmp/f && busybox chown 1:1 /tmp/f; echo "status $?"';
    const dropped = await run(script, { capDrop: ['chown'] });
    expect(dropped.output).toMatch(/chown: \/tmp\/f: Operation not permitted\nstatus 1\n$/);
    expect((await run(script)).output).toBe('status 0\n');
  });

  it('--cap-drop ALL --cap-add X: just X', async () => {
    const { output } = await run('cat /proc/self/status', { capDrop: ['ALL'], capAdd: ['net_bind_service'] });
    expect(capabilityNames(statusField(output, 'CapEff'))).toEqual(['CAP_NET_BIND_SERVICE']);
  });

  it('refuses an unknown name at create (INVALID_ARGUMENT, naming it), nothing made', async () => {
    const before = (await engine.listContainers({ all: true })).length;
    const error = await engine.createContainer('test/a:1', { capAdd: ['SYS_WIZARD'], command: ['true'] }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toContain('unknown capability "SYS_WIZARD"');
    expect((await engine.listContainers({ all: true })).length).toBe(before);
  });

  it('refuses to add one the engine lacks (UNSUPPORTED at create), where it lacks one', async (context) => {
    const lacking = ['CAP_SYS_RESOURCE', 'CAP_SYS_MODULE', 'CAP_SYS_BOOT'].find((cap) => !privilegedCapabilities().includes(cap as `CAP_${string}`));
    if (lacking === undefined) {
      console.log('security-options-run: the engine holds every capability here: nothing to refuse');
      return context.skip();
    }
    const error = await engine.createContainer('test/a:1', { capAdd: [lacking], command: ['true'] }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('UNSUPPORTED');
    expect((error as Error).message).toContain(`--cap-add ${lacking}: the engine does not hold this capability`);
  });
});

describe.skipIf(!isRoot)('no_new_privs, seen from inside', () => {
  it('is on by default and with no-new-privileges=true, off with =false', async () => {
    const nnp = async (options: ContainerOptions) => statusField((await run('cat /proc/self/status', options)).output, 'NoNewPrivs');
    expect(await nnp({})).toBe('1');
    expect(await nnp({ noNewPrivileges: true })).toBe('1');
    expect(await nnp({ noNewPrivileges: false })).toBe('0');
  });
});

describe.skipIf(!isRoot)('--read-only, seen from inside', () => {
  it('refuses writes to the root (EROFS); /tmp, /var/tmp, /run, /dev/shm and a volume take them', async () => {
    const volume = path.join(work, 'ro-volume');
    fs.mkdirSync(volume);
    const script = [
      'busybox touch /x 2>&1; echo "root $?"',
      // the shell's own message about a failed redirection goes to stdout too, so the log keeps its order
      '{ echo hi > /etc/new; } 2>&1; echo "etc $?"',
      'for d in /tmp /var/tmp /run /dev/shm /data; do echo hi > $d/f && echo "$d ok"; done',
      'busybox stat -c "%a" /tmp',
    ].join('\n');
    const container = await engine.runContainer('test/a:1', { network: 'none', readonlyRootfs: true, volumes: [{ source: volume, destination: '/data', readonly: false }], command: ['sh', '-c', script] });
    expect(await engine.waitContainer(container.id)).toBe(0);
    expect(logText(engine, container.id)).toBe(
      ['touch: /x: Read-only file system', 'root 1', 'sh: can\'t create /etc/new: Read-only file system', 'etc 1', '/tmp ok', '/var/tmp ok', '/run ok', '/dev/shm ok', '/data ok', '1777', ''].join('\n'),
    );
    expect(fs.readFileSync(path.join(volume, 'f'), 'utf8')).toBe('hi\n');
    // the tmpfs's files are the container's own, gone with it; their mount points are not its changes
    expect(await engine.diffContainer(container.id)).toEqual([]);
    await engine.removeContainer(container.id, { force: true });
  });
});
