// v1 freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst), read only: the
// runtime's pause/resume write it.
//
// freezer.state reads THAWED, FREEZING or FROZEN; FREEZING lasts until every task has
// stopped (a task in uninterruptible sleep can hold it there).
// A cgroup is also FROZEN while an ancestor is (freezer.parent_freezing).
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readOptional } from '../files';
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
