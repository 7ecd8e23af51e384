// v2 freezer, built into the core (Linux ≥ 5.2; Documentation/admin-guide/cgroup-v2.rst,
// "Core Interface Files"), read only: the runtime's pause/resume write cgroup.freeze; the
// cgroup is frozen once cgroup.events reads "frozen 1", which can lag the write.
//
//   cgroup.events:  populated 1
//                   frozen 0
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readOptional } from '../files';
import type { FreezerState } from '../manager';
import { keyed, parseFlatKeyed } from '../parse';

/** From cgroup.freeze (what was asked) and cgroup.events (what the kernel reached). */
export function freezerStateV2(freeze: string, events: string | null): FreezerState {
  const asked = freeze.trim() === '1';
  const frozen = events !== null && keyed(parseFlatKeyed(events), 'frozen') === 1;
  if (frozen) return 'frozen';
  return asked ? 'freezing' : 'thawed';
}

export async function readFreezerV2(dir: string): Promise<FreezerState> {
  const freeze = await readOptional(path.join(dir, 'cgroup.freeze'));
  if (freeze === null) throw unsupported(dir);
  return freezerStateV2(freeze, await readOptional(path.join(dir, 'cgroup.events')));
}

function unsupported(dir: string): StrataError {
  return new StrataError('UNSUPPORTED', `${path.join(dir, 'cgroup.freeze')} does not exist: the cgroup v2 freezer needs Linux 5.2 or later`);
}
