// Enabling controllers for children (Documentation/admin-guide/cgroup-v2.rst, "Enabling
// and Disabling"): a controller is usable in a cgroup only if every ancestor lists it in
// cgroup.subtree_control, and it can be listed only if it is in that ancestor's
// cgroup.controllers. Writing "+cpu +memory" enables; the kernel refuses (EBUSY) in a
// cgroup that has processes of its own ("no internal processes"), except at the root.
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readOptional, writeValue } from '../files';

/** What the engine's containers need below the parent. */
export const WANTED_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids'] as const;

export function parseControllerList(text: string | null): string[] {
  return text === null ? [] : text.trim().split(/\s+/).filter((c) => c !== '');
}

/** The `+a +b` line for the wanted controllers that are available and not yet enabled. */
export function subtreeChange(available: string[], enabled: string[], wanted: readonly string[] = WANTED_CONTROLLERS): string[] {
  return wanted.filter((c) => available.includes(c) && !enabled.includes(c));
}

/**
 * Enables the wanted controllers for the children of `dir`. One write for all of them; if
 * the kernel refuses it, one write each, so a controller that cannot be enabled (cpu with
 * realtime tasks around, cpuset in a partition) is named on its own.
 */
export async function enableControllers(dir: string): Promise<void> {
  const available = parseControllerList(await readOptional(path.join(dir, 'cgroup.controllers')));
  const file = path.join(dir, 'cgroup.subtree_control');
  const enabled = parseControllerList(await readOptional(file));
  const missing = subtreeChange(available, enabled);
  if (missing.length === 0) return;
  try {
    await writeValue(file, missing.map((c) => `+${c}`).join(' '));
    return;
  } catch {
    // fall through to one at a time
  }
  const failures: string[] = [];
  for (const controller of missing) {
    try {
      await writeValue(file, `+${controller}`);
    } catch (error) {
      failures.push(`${controller} (${(error as Error).message})`);
    }
  }
  if (failures.length > 0) {
    throw new StrataError('UNSUPPORTED', `cannot enable cgroup controllers in ${file}: ${failures.join('; ')}`);
  }
}
