// What a destructive action will do, in words, before it is done — and what it did, after:
// remove or kill containers, remove an image (an untag, or a delete that frees so many
// bytes: the engine's dry run says which). Exact rather than reassuring: a running
// container is killed first, bind-mounted folders stay, shared layers stay.
import type { ContainerRecord } from '@shared/api/types/containers';
import type { ImageInfo, RemoveResult } from '@shared/api/types/images';
import { countOf, formatBytes, shortId } from './units';

/** What a confirmation says. */
export interface ConfirmWords {
  /** Replaces the title asked with, once the words are known ("Untag x?" rather than "Remove x?"). */
  title?: string;
  /** What happens, one sentence each. */
  lines: string[];
  /** What it acts on, when several things (container names). */
  items?: string[];
  /** The button that goes ahead, naming the action ("Kill web"). */
  action: string;
  /** A red button: nothing brings back what it removes. An untag (undoable) is not. */
  danger: boolean;
  /** Why it cannot go ahead: shown instead of the action. */
  refusal?: string;
}

export interface Question {
  title: string;
  words: ConfirmWords;
}

const DEFAULT_STOP_SIGNAL = 'SIGTERM';
const DEFAULT_STOP_TIMEOUT_S = 10;

function isLive(container: ContainerRecord): boolean {
  return container.state.status === 'running' || container.state.status === 'paused';
}

export function removeContainersQuestion(containers: readonly ContainerRecord[]): Question {
  const live = containers.filter(isLive);
  if (containers.length === 1) {
    const [c] = containers as [ContainerRecord];
    const lines: string[] = [];
    if (live.length) lines.push(`${c.name} is ${c.state.status}: it will be killed first (SIGKILL), with no time to shut down.`);
    const volumes = c.imageVolumes?.length ? ' its anonymous volumes,' : '';
    lines.push(`Its own layer (every file it changed),${volumes} its log and its stats history are deleted. The image ${c.image.ref} stays.`);
    const binds = (c.options.volumes ?? []).map((volume) => volume.source);
    if (binds.length) lines.push(`The host folders it mounts (${binds.join(', ')}) are left as they are.`);
    lines.push('This cannot be undone.');
    return { title: `Remove ${c.name}?`, words: { lines, action: live.length ? `Kill and remove ${c.name}` : `Remove ${c.name}`, danger: true } };
  }
  const lines: string[] = [];
  if (live.length) lines.push(`${live.length === containers.length ? (live.length === 2 ? 'Both are' : 'All are') : `${live.length} of them ${live.length === 1 ? 'is' : 'are'}`} running: killed first (SIGKILL), with no time to shut down.`);
  lines.push('Their own layers (every file they changed), anonymous volumes, logs and stats history are deleted; their images and any host folders they mount stay. This cannot be undone.');
  return {
    title: `Remove ${containers.length} containers?`,
    words: { lines, items: containers.map((c) => `${c.name} — ${c.state.status}`), action: `${live.length ? 'Kill and remove' : 'Remove'} ${containers.length} containers`, danger: true },
  };
}

export function killContainersQuestion(containers: readonly ContainerRecord[]): Question {
  if (containers.length === 1) {
    const [c] = containers as [ContainerRecord];
    const signal = c.stopSignal ?? c.options.stopSignal ?? DEFAULT_STOP_SIGNAL;
    const timeout = c.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
    return {
      title: `Kill ${c.name}?`,
      words: {
        lines: [`Every process in ${c.name} gets SIGKILL at once: nothing can save its work or clean up.`, `Stop asks first: it sends ${signal} and waits ${timeout} s before it kills.`],
        action: `Kill ${c.name}`,
        danger: true,
      },
    };
  }
  return {
    title: `Kill ${containers.length} containers?`,
    words: {
      lines: ['Every process in them gets SIGKILL at once: nothing can save its work or clean up. Stop asks first, and kills only after a grace time.'],
      items: containers.map((c) => c.name),
      action: `Kill ${containers.length} containers`,
      danger: true,
    },
  };
}

/**
 * From the engine's dry run of `rmi ref`; `image` (the list's record) for its layer count and
 * the size of the files in the layers that go — the Unique figure the list shows. What is
 * freed on disk is more: the compressed layer blobs and the image's documents go too.
 */
export function removeImageQuestion(ref: string, preview: RemoveResult, image?: ImageInfo): Question {
  if (preview.deleted.length === 0) {
    return {
      title: `Untag ${ref}?`,
      words: {
        lines: [`The image keeps ${preview.kept.join(', ')}: nothing is deleted and no space is freed.`, 'You can undo it from the message that follows.'],
        action: `Untag ${ref}`,
        danger: false,
      },
    };
  }
  const id = shortId(preview.deleted[0]!);
  const tags = preview.untagged.length ? `tagged ${preview.untagged.join(', ')}` : 'untagged';
  const lines = [`Deletes the image ${id} (${tags}).`];
  const gone = new Set(preview.freed.layers);
  const total = image?.layers.length;
  const files = image ? ` (${formatBytes(image.layers.filter((layer) => gone.has(layer.chainId)).reduce((sum, layer) => sum + layer.size, 0))} of files)` : '';
  if (gone.size === 0) lines.push('All of its layers stay: other images or containers use them.');
  else if (total !== undefined && gone.size < total) lines.push(`${gone.size} of its ${total} layers ${gone.size === 1 ? 'goes' : 'go'} with it${files}; the other ${total - gone.size} stay: other images or containers use them.`);
  else if (gone.size === 1) lines.push(`Its layer goes with it${files}.`);
  else lines.push(`${total === undefined ? `${gone.size} layers` : `All ${gone.size} layers`} go with it${files}.`);
  lines.push(`Frees ${formatBytes(preview.freed.bytes)} on disk, ${gone.size ? 'the compressed layers and ' : ''}the image's documents included. This cannot be undone.`);
  return { title: `Delete ${ref}?`, words: { lines, action: 'Delete image', danger: true } };
}

/** What a removal did, for its toast. */
export function imageRemovedMessage(ref: string, result: RemoveResult): { title: string; detail: string } {
  if (result.deleted.length === 0) return { title: `Untagged ${ref}`, detail: `The image keeps ${result.kept.join(', ')}.` };
  const gone = result.freed.layers.length;
  const detail = gone === 0 ? `No layer removed (all shared); ${formatBytes(result.freed.bytes)} freed.` : `${countOf(gone, 'layer')} removed, ${formatBytes(result.freed.bytes)} freed.`;
  return { title: `Deleted ${ref}`, detail };
}
