// What container tests share: the text a container printed (its shim's JSON-lines log), and the clean-up at the end.
import fs from 'node:fs';
import { expect } from 'vitest';
import type { Engine } from '../../src-main/engine/index';

/** Everything the container wrote to stdout and stderr, in order; '' before it has a log. */
export function logText(engine: Engine, id: string): string {
  let text: string;
  try {
    text = fs.readFileSync(engine.containerLogPath(id), 'utf8');
  } catch {
    return '';
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { log: string }).log)
    .join('');
}

/** A test's end: every container removed (with its mounts, cgroups, network), then the store's directory; nothing may stay mounted below it. */
export async function removeTestStore(engine: Engine, work: string): Promise<void> {
  for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(work);
}
