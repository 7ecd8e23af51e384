// jobs.*: the long work started through the API (see ../jobs.ts).
import type { Handlers } from './types';

export const jobHandlers = {
  'jobs.list': (_input, { jobs }) => jobs.list(),
  'jobs.get': ({ id }, { jobs }) => jobs.get(id),
  'jobs.output': ({ id, since }, { jobs }) => jobs.output(id, since),
  'jobs.cancel': ({ id }, { jobs }) => jobs.cancel(id),
} satisfies Partial<Handlers>;
