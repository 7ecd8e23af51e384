// Child processes for pidfd and /proc tests: started and awaited by events, never by
// clocks, and killed after each test if a test left one running.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach } from 'vitest';

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves with how the child ended, as its 'exit' event reports it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function useChildren(): { start(command: string, args?: string[]): Promise<Child> } {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  return {
    async start(command, args = []) {
      const child = spawn(command, args, { stdio: 'ignore' });
      running.push(child);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      });
      // 'spawn' comes once the program has been exec'd (or 'error' if it could not be).
      await once(child, 'spawn');
      return { process: child, pid: child.pid as number, exited };
    },
  };
}
