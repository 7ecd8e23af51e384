// What each kind of job is about, in one typed shape for every client: the image(s) it
// works on and the place it reads or writes (JobSubject, from the call's input when the job
// starts), and what it made (JobMade, from its result when it succeeds). A window's job card
// and a CLI line read these fields instead of guessing from each method's input and result.
// The type checker asks for an entry for every job method in the table.
import type { JobMethodName, JobResult, ParsedInput } from '@shared/api/contract';
import type { JobMade, JobSubject } from '@shared/api/types/jobs';
import { shortId } from '../engine/store/digest';
import { parsePullReference } from '../engine/registry/reference';

interface Describer<M extends JobMethodName> {
  subject(input: ParsedInput<M>): JobSubject;
  /** What a succeeded job made; absent for work that makes nothing to open (a prune). */
  made?(result: JobResult<M>, input: ParsedInput<M>): JobMade;
}

type Describers = { [M in JobMethodName]: Describer<M> };

/** An image as a job card names it: its first tag, else its short ID. */
function named(image: { id: string; tags: readonly string[] }): { id: string; name: string } {
  return { id: image.id, name: image.tags[0] ?? shortId(image.id) };
}

/** Several names as one line: `a:1, b:1`. */
function list(names: readonly string[] | undefined): string | undefined {
  return names?.length ? names.join(', ') : undefined;
}

/** The registry a reference pulls from (`docker.io` for a bare `busybox`); undefined for a reference the pull will refuse. */
function registryOf(reference: string): string | undefined {
  try {
    return parsePullReference(reference).registry;
  } catch {
    return undefined; // the job fails with INVALID_ARGUMENT and says why; the card still names the reference
  }
}

/** `-` is the caller's standard output (the CLI's own engine), not a file named "-". */
function destination(output: string): string {
  return output === '-' ? 'standard output' : output;
}

const DESCRIBERS: Describers = {
  'images.import': {
    subject: ({ path, tags, repository }) => ({ what: list(tags) ?? repository, where: { role: 'source', place: path } }),
    made: (images) => ({ images: images.map(named) }),
  },
  'images.pull': {
    subject: ({ reference }) => {
      const registry = registryOf(reference);
      return { what: reference, ...(registry ? { where: { role: 'registry' as const, place: registry } } : {}) };
    },
    // Named by what was pulled, as the list shows it: the reference the user gave may lack a tag.
    made: (pulled) => ({ images: [{ id: pulled.id, name: pulled.tags[0] ?? pulled.reference }] }),
  },
  'images.build': {
    subject: ({ contextDir, tags }) => ({ what: list(tags), where: { role: 'context', place: contextDir } }),
    made: (built) => ({ images: [named(built)] }),
  },
  'images.save': {
    subject: ({ refs, output }) => ({ what: list(refs), where: { role: 'destination', place: destination(output) } }),
    made: (saved) => ({ images: saved.images.map(named), ...(saved.output ? { path: saved.output } : {}) }),
  },
  'containers.commit': {
    subject: ({ ref, tag }) => ({ what: tag, where: { role: 'container', place: ref } }),
    made: (image) => ({ images: [named(image)] }),
  },
  // A prune works on no image named in advance: its card says what it freed.
  'images.prune': {
    subject: () => ({}),
  },
};

/** What a job of `method` with `input` is about, and how its result reads as what it made. */
export function describeJob<M extends JobMethodName>(method: M, input: ParsedInput<M>): { subject: JobSubject; made?: (result: JobResult<M>) => JobMade } {
  const describer = DESCRIBERS[method] as Describer<M>;
  const made = describer.made;
  return { subject: describer.subject(input), ...(made ? { made: (result: JobResult<M>) => made(result, input) } : {}) };
}
