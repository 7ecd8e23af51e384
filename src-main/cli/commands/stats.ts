// `strata stats`: live usage of running containers, read from cgroup and proc files by the
// engine's sampler (two readings a second apart give the rates, as `docker stats` shows);
// `--history` prints a container's stored history (10-s points, 24 h) as CSV or JSON.
import { StrataError } from '@shared/errors';
import { type HistoryExportFormat, HISTORY_EXPORT_FORMATS, exportContainerStatsHistory, openContainerStatsSampler } from '../../engine/stats/index';
import type { StatsSample } from '../../engine/stats/sample';
import type { Command } from '../command';
import { UsageError } from '../command';
import { bytes, json, shortId, table } from '../output';

export const statsCommand: Command = {
  name: 'stats',
  usage: 'stats [--no-stream] [CONTAINER...] | stats --history CONTAINER [--format csv|json]',
  summary: "Containers' CPU, memory, network, block IO and pids, live; or one container's stored history",
  options: { 'no-stream': { type: 'boolean' }, history: { type: 'string' }, format: { type: 'string' } },
  async run({ engine, output, json: asJson }, { values, positionals }) {
    const format = values.format as string | undefined;
    if (values.history !== undefined) {
      if (positionals.length > 0) throw new UsageError(`usage: strata ${this.usage}`);
      const chosen = (format ?? (asJson ? 'json' : 'csv')) as HistoryExportFormat;
      if (!HISTORY_EXPORT_FORMATS.includes(chosen)) throw new StrataError('INVALID_ARGUMENT', `--format ${JSON.stringify(format)}: use csv or json`);
      output.out(await exportContainerStatsHistory(engine().store, values.history as string, chosen));
      return;
    }
    if (format !== undefined && format !== 'json' && format !== 'table') throw new UsageError(`--format takes json or table here, not ${JSON.stringify(format)}`);
    const wanted = new Set<string>();
    for (const ref of positionals) wanted.add((await engine().inspectContainer(ref)).id);
    const names = new Map((await engine().listContainers({ all: true })).map((c) => [c.id, c.name]));
    // The CLI records no history: that is the long-running engine's (window, serve).
    const sampler = await openContainerStatsSampler(engine().store, { historyDir: null });
    const show = (batch: StatsSample[]): void => {
      const rows = batch.filter((sample) => wanted.size === 0 || wanted.has(sample.id));
      if (asJson || format === 'json') return output.out(json(rows));
      const screen = table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'], rows.map((s) => row(s, names.get(s.id) ?? '')));
      output.out(values['no-stream'] || !process.stdout.isTTY ? screen : `\x1b[2J\x1b[H${screen}`);
    };
    try {
      await sampler.tick(); // the first reading has no rates: nothing to compare with yet
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const first = await sampler.tick();
      show(first.skipped ? [] : first.batch);
      if (values['no-stream']) return;
      // Until Ctrl-C, or until no one reads standard output any more.
      await new Promise<void>((resolve) => {
        const closed = output.stdoutClosed;
        const unsubscribe = sampler.subscribe(show);
        // The sampler's timer does not keep a process alive (the window's must not): this
        // command's does, or Node would end it (status 13) between two screens.
        const keepAlive = setInterval(() => undefined, 60_000);
        const end = () => {
          clearInterval(keepAlive);
          unsubscribe();
          process.removeListener('SIGINT', end);
          closed?.removeEventListener('abort', end);
          resolve();
        };
        process.once('SIGINT', end);
        closed?.addEventListener('abort', end);
        if (closed?.aborted) return end();
        sampler.start();
      });
    } finally {
      await sampler.stop();
    }
  },
};

function row(s: StatsSample, name: string): string[] {
  const pct = (value: number | null): string => (value === null ? '--' : `${value.toFixed(2)}%`);
  const size = (value: number | null): string => (value === null ? '--' : bytes(value));
  const memPercent = s.memoryWorkingSet !== null && s.memoryLimit ? (100 * s.memoryWorkingSet) / s.memoryLimit : null;
  return [
    shortId(s.id),
    name,
    pct(s.cpuPercent),
    `${size(s.memoryWorkingSet)} / ${size(s.memoryLimit)}`,
    pct(memPercent),
    `${size(s.netRxBytes)} / ${size(s.netTxBytes)}`,
    `${size(s.blkioReadBytes)} / ${size(s.blkioWriteBytes)}`,
    s.pidsCurrent === null ? '--' : String(s.pidsCurrent),
  ];
}
