// A container's state in words (src-renderer/src/lib/container-status.ts): an exit the user
// asked for reads as a stop, never as a failure; an OOM kill names the limit and the code.
import { describe, expect, it } from 'vitest';
import type { ContainerRecord, ContainerState } from '@shared/api/types/containers';
import { describeStatus, stopDeadline } from '../../../src-renderer/src/lib/container-status';
import { container, hexId } from '../records';

const AT = '2024-05-01T10:00:00.000Z';
const plus = (s: number) => new Date(Date.parse(AT) + s * 1000).toISOString();

function web(state: ContainerState, memory?: number): ContainerRecord {
  const record = container({ id: hexId('a1'), name: 'web' });
  return { ...record, options: memory === undefined ? {} : { memory }, state };
}

describe('describeStatus', () => {
  it('running, paused, created, an interrupted start', () => {
    expect(describeStatus(web({ status: 'running' }))).toEqual({ text: 'running', tone: 'ok', detail: '' });
    expect(describeStatus(web({ status: 'paused' })).text).toBe('paused');
    expect(describeStatus(web({ status: 'created' }))).toEqual({ text: 'created', tone: '', detail: '' });
    expect(describeStatus(web({ status: 'exited', leftovers: ['mount'] }))).toMatchObject({ text: 'exited · start incomplete', tone: 'warn' });
  });

  it('a stop in its grace time: stopping, with the deadline of its SIGKILL', () => {
    const stopping = web({ status: 'running', stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10 } });
    expect(describeStatus(stopping)).toEqual({ text: 'stopping', tone: 'warn', detail: 'SIGTERM sent; SIGKILL follows after 10 s' });
    expect(stopDeadline(stopping)).toBe(Date.parse(AT) + 10_000);
    expect(stopDeadline(web({ status: 'running' }))).toBeUndefined();
    expect(stopDeadline(web({ status: 'exited', stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10 } }))).toBeUndefined();
    expect(stopDeadline(web({ status: 'running', stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10, killedAt: plus(10) } }))).toBeUndefined();
  });

  it('a stop that ended by SIGKILL after the grace time: stopped (killed after 10 s), not a red exit 137', () => {
    const killed = web({ status: 'exited', exitCode: 137, signal: 9, stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10, killedAt: plus(10.2) } });
    expect(describeStatus(killed)).toEqual({ text: 'stopped (killed after 10 s)', tone: '', detail: 'Stopped on request: SIGTERM, then SIGKILL after the 10 s grace time (exit code 137)' });
    const cutShort = web({ status: 'exited', exitCode: 137, signal: 9, stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10, killedAt: plus(3) } });
    expect(describeStatus(cutShort)).toMatchObject({ text: 'stopped (killed after 3 s)', detail: 'Stopped on request: SIGTERM, then killed on request after 3 s (exit code 137)' });
  });

  it('a stop its signal ended, or that the program answered with an exit of its own', () => {
    expect(describeStatus(web({ status: 'exited', exitCode: 143, signal: 15, stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10 } }))).toEqual({
      text: 'stopped',
      tone: '',
      detail: 'Stopped on request: ended by SIGTERM (exit code 143)',
    });
    expect(describeStatus(web({ status: 'exited', exitCode: 3, signal: null, stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10 } })).detail).toBe(
      'Stopped on request: SIGTERM sent, it exited (exit code 3)',
    );
  });

  it('a kill asked for: killed, not red', () => {
    expect(describeStatus(web({ status: 'exited', exitCode: 137, signal: 9, stopRequest: { kind: 'kill', signal: 'SIGKILL', at: AT } }))).toEqual({
      text: 'killed',
      tone: '',
      detail: 'Killed on request with SIGKILL (exit code 137)',
    });
  });

  it('an exit nobody asked for: its code, red unless 0; a signal named', () => {
    expect(describeStatus(web({ status: 'exited', exitCode: 0 }))).toEqual({ text: 'exited (0)', tone: '', detail: 'Exited with code 0' });
    expect(describeStatus(web({ status: 'exited', exitCode: 2, signal: null }))).toEqual({ text: 'exited (2)', tone: 'danger', detail: 'Exited with code 2' });
    expect(describeStatus(web({ status: 'exited', exitCode: 139, signal: 11 })).detail).toBe('Ended by signal 11 (exit code 139)');
  });

  it('killed for memory: at which limit, with the exit code — even during a stop', () => {
    const oom = web({ status: 'exited', exitCode: 137, signal: 9, oomKilled: true }, 64 * 1024 * 1024);
    expect(describeStatus(oom)).toEqual({ text: 'out of memory', tone: 'danger', detail: 'Killed: out of memory at the 64 MiB limit (exit code 137)' });
    const stopping = web({ ...oom.state, stopRequest: { kind: 'stop', signal: 'SIGTERM', at: AT, timeoutS: 10 } }, 64 * 1024 * 1024);
    expect(describeStatus(stopping).text).toBe('out of memory');
    expect(describeStatus(web({ status: 'exited', exitCode: 137, signal: 9, oomKilled: true })).detail).toBe('Killed: out of memory (no limit of its own: the host ran short) (exit code 137)');
    // a child killed, the init exited by itself
    expect(describeStatus(web({ status: 'exited', exitCode: 1, signal: null, oomKilled: true }, 16 * 1024 * 1024))).toEqual({
      text: 'exited (1)',
      tone: 'danger',
      detail: 'The kernel killed a process in it for memory at the 16 MiB limit; it then exited (exit code 1)',
    });
  });
});
