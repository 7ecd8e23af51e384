// v1 freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst).
//
// freezer.state reads THAWED, FREEZING or FROZEN; writing FROZEN starts freezing and the
// state stays FREEZING until every task has stopped (a task in uninterruptible sleep can
// hold it there), so the writer must wait for FROZEN. Writing THAWED is immediate.
// A cgroup is also FROZEN while an ancestor is (freezer.parent_freezing).
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { pollUntil, readOptional, writeValue } from '../files';
import type { FreezerState } from '../manager';

const STATE = 'freezer.state';

export function parseFreezerState(text: string): FreezerState {
  switch (text.trim()) {
    case 'THAWED':
      return 'thawed';
    case 'FREEZING':
      return 'freezing';
    case 'FROZEN':
      return 'frozen';
    default:
      throw new StrataError('INTERNAL', `unexpected freezer state ${JSON.stringify(text.trim())}`);
  }
}

export async function readFreezerV1(dir: string): Promise<FreezerState> {
  const text = await readOptional(path.join(dir, STATE));
  if (text === null) throw new StrataError('UNSUPPORTED', `${path.join(dir, STATE)} does not exist: no freezer for this cgroup`);
  return parseFreezerState(text);
}

/**
 * Writes FROZEN and waits for the kernel to report it. Re-asserts FROZEN while waiting
 * (a task that forked or left vfork mid-freeze is caught by the next write); on timeout
 * the cgroup is thawed again, so a failed freeze never leaves it half frozen.
 */
export async function freezeV1(dir: string, timeoutMs: number): Promise<void> {
  const file = path.join(dir, STATE);
  await writeValue(file, 'FROZEN');
  let polls = 0;
  const frozen = await pollUntil(async () => {
    const state = await readFreezerV1(dir);
    if (state === 'frozen') return true;
    if (++polls % 25 === 0) await writeValue(file, 'FROZEN');
    return false;
  }, timeoutMs);
  if (!frozen) {
    await writeValue(file, 'THAWED');
    throw new StrataError('INTERNAL', `could not freeze ${dir} within ${timeoutMs} ms (a task is stuck in uninterruptible sleep?); thawed it again`);
  }
}

export async function thawV1(dir: string, timeoutMs: number): Promise<void> {
  await writeValue(path.join(dir, STATE), 'THAWED');
  const thawed = await pollUntil(async () => (await readFreezerV1(dir)) === 'thawed', timeoutMs);
  if (!thawed) throw new StrataError('CONFLICT', `${dir} stays frozen after THAWED was written: a parent cgroup is frozen`);
}
