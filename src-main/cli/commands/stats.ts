// `strata stats`: live usage of running containers, read from cgroup and proc files by the
// engine's sampler (two readings a second apart give the rates, as `docker stats` shows),
// through the API's `stats.samples` event; `--history` prints a container's stored history
// (10-s points, 24 h) as CSV or JSON.
import type { StatsSample } from '@shared/api/types/stats';
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { UsageError } from '../command';
import { json, shortId, table } from '../output';
import { formatBytes, formatCount, formatPercent } from '@shared/units';

const HISTORY_FORMATS = ['csv', 'json'] as const;

export const statsCommand: Command = {
  name: 'stats',
  usage: 'stats [--no-stream] [CONTAINER...] | stats --history CONTAINER [--format csv|json]',
  options: { 'no-stream': { type: 'boolean' }, history: { type: 'string' }, format: { type: 'string' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    const format = values.format as string | undefined;
    if (values.history !== undefined) {
      if (positionals.length > 0) throw new UsageError(`usage: strata ${this.usage}`);
      const chosen = (format ?? (asJson ? 'json' : 'csv')) as (typeof HISTORY_FORMATS)[number];
      if (!HISTORY_FORMATS.includes(chosen)) throw new StrataError('INVALID_ARGUMENT', `--format ${JSON.stringify(format)}: use csv or json`);
      output.out((await api().call('stats.export', { ref: values.history as string, format: chosen })).text);
      return;
    }
    if (format !== undefined && format !== 'json' && format !== 'table') throw new UsageError(`--format takes json or table here, not ${JSON.stringify(format)}`);
    const client = api();
    const wanted = new Set<string>();
    for (const ref of positionals) wanted.add((await client.call('containers.inspect', { ref })).id);
    const containers = await client.call('containers.list', { all: true });
    const names = new Map(containers.map((c) => [c.id, c.name]));
    const show = (batch: StatsSample[]): void => {
      const rows = batch.filter((sample) => wanted.size === 0 || wanted.has(sample.id));
      if (asJson || format === 'json') return output.out(json(rows));
      const screen = table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'], rows.map((s) => row(s, names.get(s.id) ?? '')));
      output.out(values['no-stream'] || !process.stdout.isTTY ? screen : `\x1b[2J\x1b[H${screen}`);
    };
    // The sampler sends a batch a second while any container runs, and none while none does:
    // with nothing running there is nothing to wait for.
    const running = containers.filter((c) => (c.state.status === 'running' || c.state.status === 'paused') && (wanted.size === 0 || wanted.has(c.id)));
    if (running.length === 0) {
      show([]);
      if (values['no-stream']) return;
    }
    // Until Ctrl-C, or until no one reads standard output any more (--no-stream: the first screen).
    await new Promise<void>((resolve) => {
      const closed = output.stdoutClosed;
      let batches = 0;
      const unsubscribe = client.on('stats.samples', (batch) => {
        // An engine's first reading has no rates (nothing to compare with yet): a sampler
        // started for this command shows its second.
        if (batches++ === 0 && batch.every((sample) => sample.cpuPercent === null)) return;
        show(batch);
        if (values['no-stream']) end();
      });
      // A socket does not keep a process alive while it waits, nor does the sampler's timer
      // (the window's must not): this command's does, or Node would end it between two screens.
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
      if (closed?.aborted) end();
    });
  },
};

function row(s: StatsSample, name: string): string[] {
  // The window's figures: the same units, decimals and dash for what no sample holds.
  const memPercent = s.memoryWorkingSet !== null && s.memoryLimit ? (100 * s.memoryWorkingSet) / s.memoryLimit : null;
  return [
    shortId(s.id),
    name,
    formatPercent(s.cpuPercent),
    `${formatBytes(s.memoryWorkingSet)} / ${formatBytes(s.memoryLimit)}`,
    formatPercent(memPercent),
    `${formatBytes(s.netRxBytes)} / ${formatBytes(s.netTxBytes)}`,
    `${formatBytes(s.blkioReadBytes)} / ${formatBytes(s.blkioWriteBytes)}`,
    formatCount(s.pidsCurrent),
  ];
}
