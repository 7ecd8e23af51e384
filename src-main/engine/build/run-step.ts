// RUN: the command runs in a real container on the step's root (the layers so far under a
// fresh upper dir, with an init layer for the runtime's mount points, as containers get),
// with the process the plan worked out (argv, env, USER, WORKDIR), the default
// capabilities and the build's network (the bridge unless --network says host or none;
// the generated /etc/hosts and resolv.conf are bind mounts, so they stay out of the
// layer, as in Docker). `strata-runtime run`
// creates it in a cgroup under the strata parent, waits for it and deletes it (cgroup
// included); the engine streams its stdout and stderr line by line.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { runtimeRoot } from '../containers/runtime-root';
import { type NetworkMode, defaultHostname, defaultNetworkMode, networkConfig, setUpNetwork, tearDownNetwork } from '../network/index';
import { runRuntime, spawnRuntime } from '../runtime/runtime-binary';
import { buildSpec } from '../runtime/spec-builder';
import type { Store } from '../store/store';
import { cgroupsPathOption, engineCgroupAccess } from '../rootless/cgroup-access';
import type { StepRoot } from './build-workspace';
import type { RunStep } from './plan';

/** In a step root: the id of the runtime container a RUN started there. */
export const CONTAINER_ID_FILE = 'container-id';

/** A RUN's cgroup, under the engine's parent: named apart from containers' (`<id>`), its own and short-lived. */
export function runCgroup(id: string): string {
  return `build-${id}`;
}

/** Lines of output a failed RUN's error message quotes. */
const TAIL_LINES = 10;
/** How long a cancelled RUN may take to die once killed before its runtime is killed too. */
const KILL_GRACE_MS = 2000;

export interface RunInput {
  store: Store;
  root: StepRoot;
  step: RunStep;
  /** A file of the image as the step sees it (for USER names). */
  readImageFile: (absPath: string) => Buffer | undefined;
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
  signal?: AbortSignal;
  /** The default is the bridge, as for containers. */
  network?: NetworkMode;
}

/** A RUN that exited non-zero: the code and the last lines it printed. */
export class RunStepError extends StrataError {
  constructor(
    readonly line: number,
    readonly exitCode: number,
    readonly output: string[],
    command: string,
  ) {
    const tail = output.length ? `:\n${output.map((text) => `  ${text}`).join('\n')}` : ' (no output)';
    super('INVALID_ARGUMENT', `line ${line}: ${command} failed with exit code ${exitCode}${tail}`);
  }
}

export async function runInContainer(input: RunInput): Promise<void> {
  const { store, root, step } = input;
  const id = randomBytes(32).toString('hex');
  const mode = input.network ?? defaultNetworkMode();
  const config = networkConfig();
  // Written before the container or its network exists, so a crashed build's leftovers can be found by it.
  fs.writeFileSync(path.join(root.dir, CONTAINER_ID_FILE), id);
  const request = { mode, owner: id, bundleDir: root.dir, hostname: defaultHostname(mode, id) };
  const network = await setUpNetwork(config, request);
  const stateRoot = runtimeRoot(store);
  try {
    let spec;
    try {
      spec = buildSpec({
        id,
        image: { Env: step.env, ...(step.user ? { User: step.user } : {}), WorkingDir: step.workdir },
        options: { command: step.argv, hostname: request.hostname, volumes: network.mounts },
        rootfs: root.rootfs,
        ...cgroupsPathOption(await engineCgroupAccess(), runCgroup(id)),
        readImageFile: input.readImageFile,
        networkNamespace: network.namespace ? { path: network.namespace.path } : 'host',
      });
    } catch (error) {
      throw new StrataError('INVALID_ARGUMENT', `line ${step.line}: RUN: ${(error as Error).message}`, { cause: error });
    }
    fs.writeFileSync(path.join(root.dir, 'config.json'), JSON.stringify(spec));
    const { code, tail } = await runToEnd(stateRoot, root.dir, id, input);
    if (input.signal?.aborted) throw new StrataError('CANCELLED', 'build cancelled');
    if (code !== 0) throw new RunStepError(step.line, programExitCode(code, tail), tail, step.createdBy);
  } finally {
    await deleteContainer(stateRoot, id);
    await tearDownNetwork(config, request);
  }
}

function runToEnd(stateRoot: string, bundle: string, id: string, input: RunInput): Promise<{ code: number; tail: string[] }> {
  return new Promise((resolve, reject) => {
    // the step's output is the runtime's stderr too: its errors stay text, shown in the build log
    const child = spawnRuntime(['run', '--bundle', bundle, id], { root: stateRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const split = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      const emit = (line: string) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        input.onOutput?.(stream, line);
      };
      const out = child[stream]!;
      out.setEncoding('utf8');
      out.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) emit(line);
      });
      out.on('end', () => {
        if (partial !== '') emit(partial);
        partial = '';
      });
    };
    split('stdout');
    split('stderr');

    let grace: NodeJS.Timeout | undefined;
    const cancel = () => {
      // PID 1 of the container ignores TERM unless it handles it: kill every process in its cgroup.
      void runRuntime(['kill', '--all', id, 'KILL'], { root: stateRoot }).catch(() => undefined);
      grace = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    if (input.signal?.aborted) cancel();
    input.signal?.addEventListener('abort', cancel, { once: true });
    child.on('error', (error) => {
      input.signal?.removeEventListener('abort', cancel);
      clearTimeout(grace);
      reject(error);
    });
    child.on('close', (code, signal) => {
      input.signal?.removeEventListener('abort', cancel);
      clearTimeout(grace);
      resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), tail });
    });
  });
}

/**
 * The runtime exits 125 when it cannot start the program at all; the shell's codes for that
 * (127 not found, 126 not executable) are what Docker reports, and what a user expects.
 */
function programExitCode(code: number, tail: readonly string[]): number {
  const last = tail.at(-1) ?? '';
  if (code !== 125) return code;
  if (/exec [^:]*: (not found|No such file)/.test(last)) return 127;
  if (/exec [^:]*: (Permission denied|Exec format error)/.test(last)) return 126;
  return code;
}

/** `run` deletes its container; this is for a run that was itself killed or failed half-way. */
async function deleteContainer(stateRoot: string, id: string): Promise<void> {
  if (!fs.existsSync(path.join(stateRoot, id))) return;
  await runRuntime(['delete', '--force', id], { root: stateRoot }).catch(() => undefined);
}
