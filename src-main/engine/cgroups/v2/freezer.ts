// v2 freezer, built into the core (Linux ≥ 5.2; Documentation/admin-guide/cgroup-v2.rst,
// "Core Interface Files"): write 1 or 0 to cgroup.freeze; the cgroup is frozen once
// cgroup.events reads "frozen 1", which can lag the write while tasks reach a stop point.
//
//   cgroup.events:  populated 1
//                   frozen 0
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { pollUntil, readOptional, writeValue } from '../files';
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

export async function setFrozenV2(dir: string, frozen: boolean, timeoutMs: number): Promise<void> {
  const file = path.join(dir, 'cgroup.freeze');
  if ((await readOptional(file)) === null) throw unsupported(dir);
  await writeValue(file, frozen ? '1' : '0');
  const want: FreezerState = frozen ? 'frozen' : 'thawed';
  const reached = await pollUntil(async () => (await readFreezerV2(dir)) === want, timeoutMs);
  if (reached) return;
  if (frozen) {
    await writeValue(file, '0');
    throw new StrataError('INTERNAL', `could not freeze ${dir} within ${timeoutMs} ms; thawed it again`);
  }
  throw new StrataError('CONFLICT', `${dir} stays frozen after cgroup.freeze 0: a parent cgroup is frozen`);
}

function unsupported(dir: string): StrataError {
  return new StrataError('UNSUPPORTED', `${path.join(dir, 'cgroup.freeze')} does not exist: the cgroup v2 freezer needs Linux 5.2 or later`);
}
