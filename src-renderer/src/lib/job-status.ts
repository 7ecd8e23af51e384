// A job's card in words: a progress bar and its step while it runs; once it has ended, no
// bar — a finished import is not "moving into the store", a failed one not half done — but
// what it came to: what it made or freed and how long it took, the error, or the cancel.
import type { ImportedImage, PulledImage, BuildResult, PruneResult, ExportResult } from '@shared/api/types/images';
import type { JobInfo } from '@shared/api/types/jobs';
import { formatBytes, formatDuration, shortId } from './units';

export interface JobStatus {
  /** While it runs: the bar, 0…1, or undefined for an indeterminate one. Absent once it has ended. */
  bar?: { fraction: number | undefined };
  text: string;
}

export function jobStatus(job: JobInfo): JobStatus {
  if (job.state === 'running') return { bar: { fraction: fraction(job) }, text: runningText(job) };
  if (job.state === 'failed') return { text: job.error?.message ?? 'Failed' };
  if (job.state === 'cancelled') return { text: job.error?.message ? `Cancelled: ${job.error.message}` : 'Cancelled' };
  const took = job.finishedAt ? ` · took ${formatDuration(Math.max(1000, Date.parse(job.finishedAt) - Date.parse(job.startedAt)))}` : '';
  return { text: `${outcome(job)}${took}` };
}

function fraction(job: JobInfo): number | undefined {
  const p = job.progress;
  if (!p) return undefined;
  if (p.total) {
    const within = p.totalBytes ? (p.bytes ?? 0) / p.totalBytes : 0;
    return Math.min(1, ((p.done ?? 0) + within) / p.total);
  }
  if (p.totalBytes) return Math.min(1, (p.bytes ?? 0) / p.totalBytes);
  return undefined;
}

function runningText(job: JobInfo): string {
  if (job.cancelRequested) return 'cancelling…';
  const p = job.progress;
  if (!p) return 'starting…';
  return p.totalBytes ? `${p.message} — ${formatBytes(p.bytes ?? 0)} of ${formatBytes(p.totalBytes)}` : p.message;
}

function names(images: { id: string; tags: string[] }[]): string {
  const tags = images.flatMap((image) => image.tags);
  if (tags.length) return tags.join(', ');
  return images.length === 1 ? shortId(images[0]!.id) : `${images.length} images`;
}

/** What a succeeded job came to, from its result. */
function outcome(job: JobInfo): string {
  const result = job.result;
  if (result === undefined || result === null) return 'Done';
  switch (job.kind) {
    case 'images.import':
      return `Imported ${names(result as ImportedImage[])}`;
    case 'images.pull': {
      const pulled = result as PulledImage;
      return `Pulled ${pulled.reference}: ${pulled.downloadedLayers} layer${pulled.downloadedLayers === 1 ? '' : 's'} downloaded (${formatBytes(pulled.downloadedBytes)})`;
    }
    case 'images.build':
      return `Built ${names([result as BuildResult])}`;
    case 'containers.commit':
      return `Committed as ${names([result as ImportedImage])}`;
    case 'images.prune': {
      const pruned = result as PruneResult;
      return `Freed ${formatBytes(pruned.freed.bytes)}: ${pruned.images.length} image${pruned.images.length === 1 ? '' : 's'}, ${pruned.freed.layers.length} layer${pruned.freed.layers.length === 1 ? '' : 's'}`;
    }
    case 'images.save': {
      const saved = result as ExportResult;
      return `Saved ${names(saved.images)}${saved.output ? ` to ${saved.output}` : ''} (${formatBytes(saved.bytes)})`;
    }
    default:
      return 'Done';
  }
}
