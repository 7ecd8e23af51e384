// Whole-process timings: wall clock around a child process, as a user would feel it.
import { spawnSync } from 'node:child_process';

/**
 * Flushes dirty pages first: the previous command's writes would otherwise be written back
 * during this one and bill it for them.
 */
export function timeCommand(command, args) {
  spawnSync('sync');
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function seconds(value) {
  return value < 1 ? `${(value * 1000).toFixed(1)} ms` : `${value.toFixed(2)} s`;
}

/** min, median and max of a list of numbers. */
export function spread(values) {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/**
 * A and B in turn — A B A B … after one warm-up of each — so a machine whose speed drifts
 * slows both alike; the ratio is taken pair by pair. No `sync` between (these commands write nothing).
 */
export function pairedTimes(a, b, runs) {
  const once = ([command, ...args]) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  once(a);
  once(b);
  const times = { a: [], b: [], ratio: [] };
  for (let i = 0; i < runs; i++) {
    const ta = once(a);
    const tb = once(b);
    times.a.push(ta);
    times.b.push(tb);
    times.ratio.push(ta / tb);
  }
  return { a: spread(times.a), b: spread(times.b), ratio: spread(times.ratio), samples: times };
}

/** `0.31 s (0.28–0.40)`: a paired figure as the README's table shows it. */
export function spreadText({ min, median: mid, max }, format = seconds) {
  return `${format(mid)} (${format(min)}–${format(max)})`;
}

/**
 * A and B measured in separate series (not paired): the ratio of run i to run i, as a
 * spread — its median is near the ratio of the medians, its range how far single runs stray.
 */
export function unpairedRatio(a, b) {
  return spread(a.slice(0, Math.min(a.length, b.length)).map((value, i) => value / b[i]));
}
