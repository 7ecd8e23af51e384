// Live container stats: the sampler and everything it is made of. The engine's entry:
//
//   const sampler = await openContainerStatsSampler(store);    // Strata's containers, history in <root>/stats
//   sampler.start();
//   const stop = sampler.subscribe((batch) => publish('stats.samples', batch));
//   sampler.recent(id); await sampler.historyOf(id); await sampler.forget(id);
//   await sampler.stop();
//
// and, without a running sampler (the CLI): exportContainerStatsHistory(store, ref, 'csv').
import { type CgroupLayout, detectCgroupLayout } from '../cgroups/detect';
import { openCgroupManager } from '../cgroups/index';
import { DEFAULT_PARENT } from '../cgroups/paths';
import { findRecord, listRecords } from '../containers/container-store';
import type { Store } from '../store/store';
import { CgroupFileReader } from './cgroup-file-reader';
import { type HistoryExportFormat, formatHistory } from './export';
import { HistoryStore } from './history-store';
import { statsHistoryDir } from './history-location';
import { OpenFiles, openFilesBudget } from './open-files';
import { StatsSampler, type StatsSamplerOptions } from './sampler';
import { ProcReader } from './proc-reader';
import { containerProcTargets, containerStatsTargets } from './targets';
import { cgroupParent, engineCgroupAccess } from '../rootless/cgroup-access';

export type { CgroupReader, CgroupReading } from './cgroup-reader';
export { managerReader } from './cgroup-reader';
export { CgroupFileReader, type CgroupFileReaderOptions } from './cgroup-file-reader';
export { HISTORY_EXPORT_FORMATS, type HistoryExportFormat, type HistoryExportMeta, type HistoryJson, formatHistory, historyToCsv, historyToJson } from './export';
export { HISTORY_COLUMNS, HISTORY_FIELDS, HistoryBucket, type HistoryField, type HistoryPoint, intervalStart } from './history-point';
export { HISTORY_FORMAT, HISTORY_VERSION, HistoryStore, type HistoryStoreOptions, decodeHistory, historyFile } from './history-store';
export { removeContainerStatsHistory, statsHistoryDir } from './history-location';
export { type HostCpu, parseProcStat, readHostCpu } from './host-cpu';
export { type NetCounters, type NetInterfaceCounters, parseNetDev, readNetDev, sumNetDev } from './net-dev';
export { type FileReader, OpenFiles, type OpenFilesOptions, openFilesBudget } from './open-files';
export { type StatsReading, toSample } from './rates';
export { RingBuffer } from './ring-buffer';
export type { StatsBatch, StatsSample } from './sample';
export {
  StatsSampler, type StatsListener, type StatsSamplerOptions, type StatsSamplerStatus, type StatsTarget, type StatsTargetSource, type TickOutcome,
} from './sampler';
export { containerProcTargets, containerStatsTargets } from './targets';
export { ProcReader, type ProcReaderOptions, parseProcPidStat, parseVmRss } from './proc-reader';

/** Where a store keeps its stats history. */

export interface OpenStatsSamplerOptions extends Omit<StatsSamplerOptions, 'reader' | 'files'> {
  /** The cgroup layout; detected from /proc/self/mountinfo when absent. */
  layout?: CgroupLayout;
  /** The engine's parent cgroup (`strata`). */
  parent?: string;
  /** Most files kept open for reading (a quarter of the process's limit on open files). */
  maxOpenFiles?: number;
}

/** A sampler on the fast cgroup reader for this machine's layout (not started). */
export async function openStatsSampler(options: OpenStatsSamplerOptions): Promise<StatsSampler> {
  const layout = options.layout ?? (await detectCgroupLayout());
  const files = new OpenFiles({ maxOpen: options.maxOpenFiles ?? (await openFilesBudget()) });
  const reader = new CgroupFileReader(layout, { parent: options.parent ?? DEFAULT_PARENT, files });
  return new StatsSampler({ ...options, reader, files });
}

export type ContainerStatsSamplerOptions = Omit<OpenStatsSamplerOptions, 'targets' | 'historyDir'> & { historyDir?: string | null };

/**
 * The engine's sampler: the store's running containers, history under `<root>/stats`.
 * A sampler that writes history deletes on the way the history of containers that no
 * longer exist (removed while no engine ran). Not started: call start().
 */
export async function openContainerStatsSampler(store: Store, options: ContainerStatsSamplerOptions = {}): Promise<StatsSampler> {
  const historyDir = options.historyDir === undefined ? statsHistoryDir(store) : options.historyDir;
  const access = await engineCgroupAccess();
  let sampler: StatsSampler;
  if (access.kind === 'none' && options.layout === undefined) {
    // Containers without cgroups (rootless on v1): their processes in /proc, labelled so.
    const { targets, initPid } = containerProcTargets(store);
    const files = new OpenFiles({ maxOpen: options.maxOpenFiles ?? (await openFilesBudget()) });
    sampler = new StatsSampler({ ...options, historyDir, targets, reader: new ProcReader({ initPid }), files });
  } else {
    const layout = options.layout ?? (await detectCgroupLayout());
    const parent = options.parent ?? cgroupParent(access);
    const cgroups = await openCgroupManager({ layout, parent });
    sampler = await openStatsSampler({ ...options, layout, parent, historyDir, targets: containerStatsTargets(store, cgroups) });
  }
  if (sampler.historyWriting) await pruneStatsHistory(store, sampler);
  return sampler;
}

/** Deletes the history of containers that no longer exist: a writer's job (the store's supervisor, when elected). */
export async function pruneStatsHistory(store: Store, sampler: StatsSampler): Promise<void> {
  await sampler.history?.prune((await listRecords(store)).map((record) => record.id));
}

/**
 * `strata stats --history REF --format csv|json`: the container's stored history (10-s
 * points, last 24 h) as text, read from disk — no sampler needs to run. A sampler running
 * in another process holds back at most the current 10 s.
 */
export async function exportContainerStatsHistory(store: Store, ref: string, format: HistoryExportFormat): Promise<string> {
  const record = await findRecord(store, ref);
  const history = new HistoryStore(statsHistoryDir(store));
  const points = await history.read(record.id);
  return formatHistory(points, format, { containerId: record.id, intervalMs: history.intervalMs });
}
