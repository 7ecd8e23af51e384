// A job's card in words, from the engine's typed record (JobInfo: its subject, what it made,
// its error): what it works on and where, how long it has run or took, and — a progress bar
// and its step while it runs; once it has ended, no bar (a finished import is not "moving
// into the store", a failed one not half done) but what it came to: the images it made to
// open, the file it wrote, the error's code and message in full, or the cancel.
import type { BuildResult, ExportResult, ImportedImage, PruneResult, PulledImage } from '@shared/api/types/images';
import type { JobInfo, JobPlace } from '@shared/api/types/jobs';
import type { ErrorShape } from '@shared/errors';
import { countOf, formatBytes, formatCount, formatDuration } from './units';

/** Each kind of job as a card names it. */
export const JOB_LABELS: Record<string, string> = {
  'images.import': 'Import',
  'images.prune': 'Prune',
  'images.save': 'Save',
  'containers.commit': 'Commit',
  'images.build': 'Build',
  'images.pull': 'Pull',
};

/** How a place reads before its name: "from /tmp/a.tar", "to /tmp/out.tar". */
const PLACE_LABELS: Record<JobPlace['role'], string> = {
  source: 'from',
  destination: 'to',
  registry: 'from registry',
  context: 'context',
  container: 'from container',
};

export interface JobCard {
  /** `Import`, `Pull`, … */
  label: string;
  /** What it works on: `busybox:1.36`, a build's tags; absent while unknown. */
  what?: string;
  where?: { label: string; place: string };
  /** Running: the bar, 0…1, or undefined for an indeterminate one. Absent once it has ended. */
  bar?: { fraction: number | undefined };
  /** Running: its step; succeeded: what it came to (the images follow it); cancelled: that, and why. Failed: the error's message. */
  text: string;
  /** Succeeded: words after the images (`3 layers, 1 new to the store`; a save's size). */
  detail?: string;
  /** "running for 12s", "took 3s". */
  time: string;
  /** Failed: the error in full, its stable code and its message. */
  error?: ErrorShape;
  /** Succeeded: the images it made or wrote, to open. */
  images: readonly { id: string; name: string }[];
  /** Succeeded: the file or directory it wrote, where the place above does not say it already (`to /tmp/out.tar`). */
  path?: string;
}

export function jobCard(job: JobInfo, now = Date.now()): JobCard {
  const where = job.subject?.where;
  const card: JobCard = {
    label: JOB_LABELS[job.kind] ?? job.kind,
    ...(job.subject?.what ? { what: job.subject.what } : {}),
    ...(where ? { where: { label: PLACE_LABELS[where.role] ?? where.role, place: where.place } } : {}),
    text: '',
    time: timeText(job, now),
    images: [],
  };
  switch (job.state) {
    case 'running':
      return { ...card, bar: { fraction: fraction(job) }, text: runningText(job) };
    case 'failed':
      return { ...card, text: job.error?.message ?? 'Failed', error: job.error ?? { code: 'INTERNAL', message: 'failed without saying why' } };
    case 'cancelled':
      return { ...card, text: job.error?.message && job.error.message !== `${job.kind} cancelled` ? `Cancelled: ${job.error.message}` : 'Cancelled' };
    case 'succeeded':
      return { ...card, ...outcome(job), images: job.made?.images ?? [], ...(job.made?.path && job.made.path !== where?.place ? { path: job.made.path } : {}) };
  }
}

/** How long: "running for 12s" while it runs, "took 3s" once ended ("took under 1s"). */
function timeText(job: JobInfo, now: number): string {
  const started = Date.parse(job.startedAt);
  if (job.state === 'running') return `running for ${formatDuration(Math.max(0, now - started))}`;
  const ms = job.finishedAt ? Date.parse(job.finishedAt) - started : Number.NaN;
  if (Number.isNaN(ms)) return job.state === 'succeeded' ? 'done' : 'ended';
  return `took ${ms < 1000 ? 'under 1s' : formatDuration(ms)}`;
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

/**
 * What a succeeded job came to: the words before the images it made (which follow as links
 * on the card), and after them (a save's file comes last).
 */
function outcome(job: JobInfo): { text: string; detail?: string } {
  const result = job.result;
  if (result === undefined || result === null) return { text: 'Done' };
  switch (job.kind) {
    case 'images.import': {
      // Images imported together share layers: each counted once, and new when the first image to have it brought it.
      const layers = new Map<string, boolean>();
      for (const layer of (result as ImportedImage[]).flatMap((image) => image.layers)) layers.set(layer.chainId, (layers.get(layer.chainId) ?? true) && layer.reused);
      const fresh = [...layers.values()].filter((reused) => !reused).length;
      const news = fresh === layers.size ? 'all new to the store' : fresh === 0 ? 'all in the store already' : `${formatCount(fresh)} new to the store`;
      return { text: job.made?.images.length ? 'Imported' : 'Imported nothing', detail: `${countOf(layers.size, 'layer')}, ${news}` };
    }
    case 'images.pull': {
      const pulled = result as PulledImage;
      return { text: 'Pulled', detail: pulled.downloadedLayers === 0 ? 'every layer was in the store already' : `${countOf(pulled.downloadedLayers, 'layer')} downloaded, ${formatBytes(pulled.downloadedBytes)}` };
    }
    case 'images.build': {
      const steps = (result as BuildResult).steps;
      const cached = steps.filter((step) => step.cached).length;
      return { text: 'Built', detail: `${countOf(steps.length, 'step')}${cached ? `, ${formatCount(cached)} from the cache` : ''}` };
    }
    case 'containers.commit':
      return { text: 'Committed as' };
    case 'images.prune': {
      const pruned = result as PruneResult;
      if (pruned.freed.bytes === 0 && pruned.images.length === 0 && pruned.freed.layers.length === 0) return { text: 'Nothing to free: every image and layer is in use' };
      return { text: `Freed ${formatBytes(pruned.freed.bytes)}: ${countOf(pruned.images.length, 'image')}, ${countOf(pruned.freed.layers.length, 'layer')}` };
    }
    case 'images.save': {
      const saved = result as ExportResult;
      return { text: 'Saved', detail: `${formatBytes(saved.bytes)}, ${countOf(saved.blobs, 'blob')}` };
    }
    default:
      return { text: 'Done' };
  }
}
