// `diff`: what a container changed in its read-write layer, as `docker diff` reports it —
// A added, C changed (including a directory something changed inside), D deleted (what the
// image has: a whiteout of anything else deletes nothing) — read from the upper dir against
// the image's merged layers. Works running or stopped: the
// upper dir is the container's own, whatever is mounted.
import type { ContainerChange } from '@shared/api/types/containers';
import type { MergedView } from '../layers/layer-index';
import { mergedViewOfAsync } from '../layers/layer-store';
import { walkUpper } from '../layers/overlay-upper';
import type { Store } from '../store/store';
import { containerFile, findRecord } from './container-store';

export type ChangeKind = 'A' | 'C' | 'D';

/** The walk of the upper dir and the image's index are layers/' readers (off the event loop). */
export async function diffContainer(store: Store, ref: string): Promise<ContainerChange[]> {
  const record = await findRecord(store, ref);
  const lower = await mergedViewOfAsync(store.paths, record.layers);
  const changes: ContainerChange[] = [];
  const inUpper = new Set<string>();
  const opaqueDirs: string[] = [];
  for await (const entry of walkUpper(containerFile(store, record.id, 'upper'))) {
    inUpper.add(entry.path);
    if (entry.kind === 'whiteout') {
      // fuse-overlayfs also whites out what only the container had made (a directory made,
      // then removed): nothing of the image is deleted there
      if (lower.entries.has(entry.path)) changes.push({ path: '/' + entry.path, kind: 'D' });
    } else changes.push({ path: '/' + entry.path, kind: lower.entries.has(entry.path) ? 'C' : 'A' });
    if (entry.opaque) opaqueDirs.push(entry.path);
  }
  for (const dir of opaqueDirs) {
    for (const hidden of childrenOf(dir, lower)) if (!inUpper.has(hidden)) changes.push({ path: '/' + hidden, kind: 'D' });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** An opaque directory deletes what the image had directly inside it (reported as docker does: the child, not its subtree). */
function childrenOf(dir: string, lower: MergedView): string[] {
  const prefix = dir + '/';
  return [...lower.entries.keys()].filter((key) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/'));
}

/** Wire types, declared once in src-shared. */
export type { ContainerChange };
