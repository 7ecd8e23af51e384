// In strata-test's user namespace (userns.ts) on this host (cgroup v1: nothing can be
// delegated): what the rootless engine decides about cgroups — limits refused at create and
// update, pause refused, a restart policy still updatable, no cgroupsPath for the runtime —
// and stats read from a real process tree in /proc, through the engine's own sampler.
// Nothing here starts the runtime (the rootless runtime is the launcher's work): a real
// process tree stands in for a started container's processes, its pid recorded as start
// records it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../../src-main/engine/index';
import { containerFile, writeRecord } from '../../../src-main/engine/containers/container-store';
import { cgroupsPathOption, engineCgroupAccess } from '../../../src-main/engine/rootless/cgroup-access';
import { ProcReader } from '../../../src-main/engine/stats/proc-reader';
import { testImages, writeOciLayout } from '../../helpers/test-images';
import { refusal, report } from './report';

const [work] = process.argv.slice(2) as [string];

/** A shell with a busy child and a sleeping one, in a new pid namespace (as a container's) or not. */
async function processTree(ownPidNamespace: boolean): Promise<{ init: number; stop: () => void }> {
  const script = 'while :; do :; done & sleep 600 & wait';
  const args = ownPidNamespace ? ['--pid', '--fork', '--kill-child', '--', 'sh', '-c', script] : ['--', 'sh', '-c', script];
  // unshare without new namespaces just execs: the same process tree either way. In a
  // process group of its own, so stopping it ends the whole tree (--kill-child ends the
  // pid namespace's with its init).
  const child = spawn('unshare', args, { stdio: 'ignore', detached: true });
  const childrenOf = (pid: number) =>
    fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  // Wait until the tree is whole (the shell and its two children), however long that takes.
  for (;;) {
    const init = ownPidNamespace ? childrenOf(child.pid!)[0] : child.pid!;
    if (init !== undefined && childrenOf(init).length === 2) {
      // The shell's children first: it reaps them and its `wait` returns, so nothing is left
      // to an init that reaps no orphans; then the rest of the group, whatever remains.
      const stop = () => {
        for (const pid of ownPidNamespace ? [] : childrenOf(init)) process.kill(pid, 'SIGKILL');
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone already
        }
      };
      return { init, stop };
    }
    await sleep(20);
  }
}

await report(async () => {
  const access = await engineCgroupAccess();
  const { a } = testImages(path.join(work, 'images'));
  const engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });

  const limits = {
    memory: await refusal(() => engine.createContainer('test/a:1', { memory: 64 << 20, network: 'none' })),
    cpusAndPids: await refusal(() => engine.createContainer('test/a:1', { cpus: 0.5, pidsLimit: 100, network: 'none' })),
  };
  const container = await engine.createContainer('test/a:1', { name: 'plain', network: 'none' });
  const update = {
    memory: await refusal(() => engine.updateContainer(container.id, { memory: 64 << 20 })),
    restart: await refusal(() => engine.updateContainer(container.id, { restart: { name: 'always' } })),
  };
  const pause = await refusal(() => engine.pauseContainer(container.id));
  const noLimitsLeft = fs.readdirSync(path.join(engine.root, 'containers')).length;

  // Stats: the engine's sampler over a running record whose pid is a real process tree.
  const tree = await processTree(true);
  const flat = await processTree(false);
  try {
    const record = JSON.parse(fs.readFileSync(containerFile(engine.store, container.id, 'record'), 'utf8')) as typeof container;
    await writeRecord(engine.store, { ...record, state: { status: 'running', pid: tree.init } });
    const sampler = await engine.openStatsSampler({ historyDir: null });
    const cpuTicks = async () => (await new ProcReader({ initPid: () => tree.init }).read('tree'))?.stats.cpuUsageNs ?? 0;
    await sampler.tick();
    // Until the busy loop has been given CPU time that /proc counts (10-ms ticks), however
    // long the shared machine takes to give it: then the second sample has a rate above 0.
    const before = await cpuTicks();
    while ((await cpuTicks()) < before + 20e6) await sleep(50);
    await sampler.tick();
    const samples = sampler.recent(container.id);
    await sampler.stop();
    // The same reader on a tree without its own pid namespace: the init and its descendants.
    const reader = new ProcReader({ initPid: () => flat.init });
    const flatReading = await reader.read('flat');
    return {
      access,
      cgroupsPath: cgroupsPathOption(access, container.id),
      limits,
      update,
      pause,
      containers: noLimitsLeft,
      samples,
      flat: { pids: (await reader.pids('flat')).length, source: flatReading?.source, memory: flatReading?.stats.memoryWorkingSet },
    };
  } finally {
    tree.stop();
    flat.stop();
  }
});
