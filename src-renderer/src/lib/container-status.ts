// A container's state in words, for its badge and the sentence beside it: running, stopping
// (the grace time counted down), paused, created, or how it ended — as the user asked
// (stopped; stopped, killed after the grace time; killed) or not (exited with a code; killed
// by the kernel for memory, at which limit). An exit the user asked for is not a failure,
// so it is never red.
import type { ContainerRecord } from '@shared/api/types/containers';
import { formatBytes } from './units';

export type StatusTone = 'ok' | 'warn' | 'danger' | '';

export interface StatusWords {
  /** The badge: a word or two. */
  text: string;
  tone: StatusTone;
  /** What happened, as a sentence with the exit code; empty when the badge says it all. */
  detail: string;
}

/** A stop under way: when its SIGKILL is due (ms since the epoch); undefined when no stop waits. */
export function stopDeadline(container: ContainerRecord): number | undefined {
  const { status, stopRequest } = container.state;
  if (status !== 'running' && status !== 'paused') return undefined;
  if (stopRequest?.kind !== 'stop' || stopRequest.killedAt || stopRequest.timeoutS === undefined) return undefined;
  return Date.parse(stopRequest.at) + stopRequest.timeoutS * 1000;
}

export function describeStatus(container: ContainerRecord): StatusWords {
  const { status, leftovers, stopRequest } = container.state;
  if (status === 'running' || status === 'paused') {
    if (stopDeadline(container) !== undefined) {
      return { text: 'stopping', tone: 'warn', detail: `${stopRequest!.signal} sent; SIGKILL follows after ${stopRequest!.timeoutS} s` };
    }
    return status === 'running' ? { text: 'running', tone: 'ok', detail: '' } : { text: 'paused', tone: 'warn', detail: 'Its processes are frozen' };
  }
  if (leftovers?.length) return { text: `${status} · start incomplete`, tone: 'warn', detail: `Left on the host: ${leftovers.join(', ')} (the next start clears them)` };
  if (status === 'created') return { text: 'created', tone: '', detail: '' };
  return describeExit(container);
}

function describeExit(container: ContainerRecord): StatusWords {
  const { exitCode, signal, oomKilled, stopRequest } = container.state;
  const code = exitCode === undefined ? '' : ` (exit code ${exitCode})`;
  if (oomKilled) return describeOom(container);
  if (stopRequest?.kind === 'stop') {
    if (stopRequest.killedAt) {
      const after = Math.max(0, Math.round((Date.parse(stopRequest.killedAt) - Date.parse(stopRequest.at)) / 1000));
      const graceOver = stopRequest.timeoutS !== undefined && after >= stopRequest.timeoutS;
      const how = graceOver ? `SIGKILL after the ${stopRequest.timeoutS} s grace time` : `killed on request after ${after} s`;
      return { text: `stopped (killed after ${after} s)`, tone: '', detail: `Stopped on request: ${stopRequest.signal}, then ${how}${code}` };
    }
    const ended = signal ? `ended by ${stopRequest.signal}` : `${stopRequest.signal} sent, it exited`;
    return { text: 'stopped', tone: '', detail: `Stopped on request: ${ended}${code}` };
  }
  if (stopRequest?.kind === 'kill') return { text: 'killed', tone: '', detail: `Killed on request with ${stopRequest.signal}${code}` };
  if (exitCode === undefined) return { text: 'exited', tone: '', detail: '' };
  const detail = signal ? `Ended by signal ${signal}${code}` : `Exited with code ${exitCode}`;
  return { text: `exited (${exitCode})`, tone: exitCode === 0 ? '' : 'danger', detail };
}

/**
 * The kernel killed a process for memory. When that was the init (SIGKILL, 137), the
 * container died of it; otherwise a child was killed and the init ended by itself.
 */
function describeOom(container: ContainerRecord): StatusWords {
  const { exitCode, signal } = container.state;
  const limit = container.options.memory;
  const at = limit ? ` at the ${formatBytes(limit)} limit` : ' (no limit of its own: the host ran short)';
  const code = exitCode === undefined ? '' : ` (exit code ${exitCode})`;
  if (signal === 9 || exitCode === 137) return { text: 'out of memory', tone: 'danger', detail: `Killed: out of memory${at}${code}` };
  return { text: exitCode === undefined ? 'exited' : `exited (${exitCode})`, tone: 'danger', detail: `The kernel killed a process in it for memory${at}; it then exited${code}` };
}
