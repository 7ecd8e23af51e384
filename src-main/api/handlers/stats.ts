// stats.*: the sampler's recent samples and stored history of one container.
import type { Handlers } from './types';

export const statsHandlers = {
  'stats.recent': ({ ref }, { stats }) => stats.recent(ref),
  'stats.history': ({ ref, sinceMs }, { stats }) => stats.history(ref, sinceMs),
  'stats.export': async ({ ref, format }, { stats }) => ({ text: await stats.export(ref, format) }),
} satisfies Partial<Handlers>;
