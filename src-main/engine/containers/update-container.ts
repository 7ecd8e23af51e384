// `update`: new memory / CPU / pids limits (and restart policy) for a container. A running
// container gets them at once, by rewriting its cgroup files; every container keeps them in
// its record, so the next start uses them too. A memory limit below what the container
// holds now is refused: the kernel would answer it with an OOM kill, not an error.
import { StrataError } from '../../shared/errors';
import type { CgroupResources } from '../cgroups/manager';
import { openCgroupManager } from '../cgroups/index';
import type { ContainerRecord } from './container';
import { findRecord, writeRecord } from './container-store';
import { type ContainerOptions, type ContainerUpdate, containerUpdateSchema, validateResources } from './options';
import { settle } from './settle';
import type { Store } from '../store/store';

const UPDATABLE = ['memory', 'memorySwap', 'memoryReservation', 'cpus', 'cpuShares', 'pidsLimit', 'restart'] as const;

export async function updateContainer(store: Store, ref: string, input: ContainerUpdate): Promise<ContainerRecord> {
  const update = parseUpdate(input);
  const changed = UPDATABLE.filter((key) => update[key] !== undefined);
  if (changed.length === 0) throw new StrataError('INVALID_ARGUMENT', 'nothing to update: give at least one of --memory, --memory-swap, --memory-reservation, --cpus, --cpu-shares, --pids-limit, --restart');
  return store.write(async () => {
    const record = await settle(store, findRecord(store, ref));
    const options: ContainerOptions = { ...record.options, ...Object.fromEntries(changed.map((key) => [key, update[key]])) };
    // Docker's rule: lowering --memory under an existing --memory-swap is refused; raising it
    // above one lifts swap along with it.
    if (update.memory !== undefined && update.memorySwap === undefined && options.memorySwap !== undefined && options.memorySwap !== -1 && options.memorySwap < update.memory) {
      options.memorySwap = update.memory;
    }
    validateResources(options);
    if (record.state.status === 'running' || record.state.status === 'paused') await applyLive(record, update, options);
    const updated: ContainerRecord = { ...record, options };
    writeRecord(store, updated);
    return updated;
  });
}

async function applyLive(record: ContainerRecord, update: ContainerUpdate, options: ContainerOptions): Promise<void> {
  const cgroups = await openCgroupManager();
  if (update.memory !== undefined) {
    const { memoryWorkingSet } = await cgroups.stats(record.id);
    if (memoryWorkingSet !== null && update.memory < memoryWorkingSet) {
      throw new StrataError(
        'CONFLICT',
        `container ${record.name} holds ${mib(memoryWorkingSet)} now: a memory limit of ${mib(update.memory)} would make the kernel kill it. ` +
          'Give a limit above its current use, or stop it first',
      );
    }
  }
  const resources: CgroupResources = {};
  if (update.memory !== undefined || update.memorySwap !== undefined) {
    resources.memory = options.memory ?? -1;
    if (options.memorySwap !== undefined) resources.memorySwap = options.memorySwap;
  }
  if (update.memoryReservation !== undefined) resources.memoryReservation = update.memoryReservation;
  if (update.cpus !== undefined) resources.cpus = update.cpus;
  if (update.cpuShares !== undefined) resources.cpuShares = update.cpuShares;
  if (update.pidsLimit !== undefined) resources.pidsLimit = update.pidsLimit;
  if (Object.keys(resources).length > 0) await cgroups.apply(record.id, resources);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function parseUpdate(input: ContainerUpdate): ContainerUpdate {
  const parsed = containerUpdateSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StrataError('INVALID_ARGUMENT', `update: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
}
