// A path's history across an image's layers (images.pathHistory), read from one layer:
// the version that layer shows, and what the layers above it do to that version — the
// file details' "written by" and "hidden by". Pure; the engine decides every change.
import type { PathChange, PathHistory } from '@shared/api/types/images';

/** The version of the path seen at `layer` (merged up to it), or undefined when it is not there. */
export function versionAt(history: PathHistory, layer: number): PathChange | undefined {
  const last = history.changes.filter((change) => change.layer <= layer).at(-1);
  return last && last.change !== 'deleted' ? last : undefined;
}

/** The first change a layer above `layer` makes to the path, or undefined when none does. */
export function laterChange(history: PathHistory, layer: number): PathChange | undefined {
  return history.changes.find((change) => change.layer > layer);
}

/** How a deletion happened, for people: "a whiteout", "a whiteout of /etc", "the opaque directory /usr/share/doc". */
export function deletionText(change: PathChange): string {
  if (change.how === 'opaque') return `the opaque directory /${change.via ?? ''}`;
  return change.via === undefined ? 'a whiteout' : `a whiteout of /${change.via}`;
}

/**
 * One sentence on what happens above `layer` to what it shows: overwritten, deleted, hidden,
 * added again, or left alone (then the image's containers see it as it is here).
 */
export function fateAbove(history: PathHistory, layer: number, top: number): string {
  const here = versionAt(history, layer);
  const later = laterChange(history, layer);
  if (!later) {
    if (layer === top) return here ? 'Containers of this image see this version.' : 'Containers of this image do not see it.';
    return here ? 'No later layer changes it: containers of this image see this version.' : 'No later layer adds it back: containers of this image do not see it.';
  }
  if (!here) return `Layer ${later.layer} adds it again.`;
  if (later.change === 'deleted') {
    const verb = later.how === 'opaque' ? 'hides' : 'deletes';
    return `Hidden by layer ${later.layer}: it ${verb} it with ${deletionText(later)}. Containers of this image do not see this version.`;
  }
  if (here.kind === 'dir' && later.kind === 'dir') return `Layer ${later.layer} changes this directory’s mode or owner (or makes it opaque).`;
  return `Hidden by layer ${later.layer}: it writes a new version over this one.`;
}
