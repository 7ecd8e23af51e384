// Work directories (builds/, pulls/) stay while their owner process lives. A killed owner
// that its parent has not reaped yet (a zombie: still in /proc, same start time) is dead:
// its leftovers must be cleared, not kept for as long as the parent takes to reap it.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../../../native/lib/index';
import { currentOwner, ownerAlive } from '../../../src-main/engine/store/process-owner';

let parent: ChildProcess | undefined;

afterEach(() => {
  parent?.kill('SIGKILL');
  parent = undefined;
});

function state(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}

describe('ownerAlive', () => {
  it('holds for a running process with its start time, not for a reused pid', () => {
    expect(ownerAlive(currentOwner())).toBe(true);
    expect(ownerAlive({ pid: process.pid, pidStartTime: '1' })).toBe(false);
  });

  it('is false for a process that has exited but is not reaped yet (a zombie)', async () => {
    // A short sleep runs in the background of a shell that then becomes `sleep 60`, which never
    // waits: the short one stays a zombie until the long one ends (killed in afterEach).
    parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve) => parent!.stdout!.once('data', (text: Buffer) => resolve(Number(text.toString().trim()))));
    for (let i = 0; i < 100 && state(pid) !== 'Z'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state(pid)).toBe('Z');
    expect(ownerAlive({ pid, pidStartTime: processStartTime(pid).toString() })).toBe(false);
  });
});
