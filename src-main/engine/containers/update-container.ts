// `update`: new memory / CPU / pids limits (and restart policy) for a container. A running
// container gets them at once, by rewriting its cgroup files; every container keeps them in
// its record, so the next start uses them too. A memory limit below what the container
// holds now is refused: the kernel would answer it with an OOM kill, not an error.
// The runtime's update verb writes the cgroup files (the engine's drivers only read).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { openCgroupManager } from '../cgroups/index';
import { cgroupParent, checkLimitsAllowed, engineCgroupAccess } from '../rootless/cgroup-access';
import type { OciConfig } from '../runtime/oci-config';
import { CPU_PERIOD } from '../runtime/spec-builder';
import type { ContainerRecord } from './container';
import { containerDir, writeRecord } from './container-store';
import { runtimeVerb } from './runtime-root';
import { withContainer } from './container-lock';
import { type ContainerOptions, type ContainerUpdate, containerUpdateSchema, validateResources } from './options';
import type { Store } from '../store/store';

const UPDATABLE = ['memory', 'memorySwap', 'memoryReservation', 'cpus', 'cpuShares', 'pidsLimit', 'restart'] as const;

export async function updateContainer(store: Store, ref: string, input: ContainerUpdate): Promise<ContainerRecord> {
  const update = parseUpdate(input);
  const changed = UPDATABLE.filter((key) => update[key] !== undefined);
  if (changed.length === 0) throw new StrataError('INVALID_ARGUMENT', 'nothing to update: give at least one of --memory, --memory-swap, --memory-reservation, --cpus, --cpu-shares, --pids-limit, --restart');
  return withContainer(store, ref, async (record) => {
    const options: ContainerOptions = { ...record.options, ...Object.fromEntries(changed.map((key) => [key, update[key]])) };
    // Docker's rule: lowering --memory under an existing --memory-swap is refused; raising it
    // above one lifts swap along with it.
    if (update.memory !== undefined && update.memorySwap === undefined && options.memorySwap !== undefined && options.memorySwap !== -1 && options.memorySwap < update.memory) {
      options.memorySwap = update.memory;
    }
    validateResources(options);
    const access = await engineCgroupAccess();
    checkLimitsAllowed(access, update);
    if (record.state.status === 'running' || record.state.status === 'paused') await applyLive(store, record, update, options);
    const updated: ContainerRecord = { ...record, options };
    await writeRecord(store, updated);
    return updated;
  });
}

async function applyLive(store: Store, record: ContainerRecord, update: ContainerUpdate, options: ContainerOptions): Promise<void> {
  if (update.memory !== undefined) {
    const { memoryWorkingSet } = await (await openCgroupManager({ parent: cgroupParent(await engineCgroupAccess()) })).stats(record.id);
    if (memoryWorkingSet !== null && update.memory < memoryWorkingSet) {
      throw new StrataError(
        'CONFLICT',
        `container ${record.name} holds ${mib(memoryWorkingSet)} now: a memory limit of ${mib(update.memory)} would make the kernel kill it. ` +
          'Give a limit above its current use, or stop it first',
      );
    }
  }
  const resources = ociUpdate(update, options);
  if (Object.keys(resources).length === 0) return;
  const file = path.join(containerDir(store, record.id), `update-${randomBytes(6).toString('hex')}.json`);
  await fs.writeFile(file, JSON.stringify(resources), { mode: 0o600 });
  try {
    await runtimeVerb(store, ['update', '--resources', file, record.id], `update ${record.name}`);
  } finally {
    await fs.rm(file, { force: true });
  }
}

type OciResources = NonNullable<OciConfig['linux']['resources']>;

/** The changed limits as OCI resources (-1 lifts a limit); fields not changed are left out. */
function ociUpdate(update: ContainerUpdate, options: ContainerOptions): OciResources {
  const out: OciResources = {};
  if (update.memory !== undefined || update.memorySwap !== undefined) {
    out.memory = { limit: options.memory ?? -1, ...(options.memorySwap !== undefined ? { swap: options.memorySwap } : {}) };
  }
  if (update.memoryReservation !== undefined) out.memory = { ...out.memory, reservation: update.memoryReservation };
  if (update.cpus !== undefined) out.cpu = { period: CPU_PERIOD, quota: update.cpus > 0 ? Math.round(update.cpus * CPU_PERIOD) : -1 };
  if (update.cpuShares !== undefined) out.cpu = { ...out.cpu, shares: update.cpuShares };
  if (update.pidsLimit !== undefined) out.pids = { limit: update.pidsLimit > 0 ? update.pidsLimit : -1 };
  return out;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function parseUpdate(input: ContainerUpdate): ContainerUpdate {
  const parsed = containerUpdateSchema().safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StrataError('INVALID_ARGUMENT', `update: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
}
