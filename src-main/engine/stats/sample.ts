// What the live stats sampler reports for one running container at one tick: the API's
// wire type, declared once in src-shared (its conventions are written there).
export type { StatsBatch, StatsSample } from '@shared/api/types/stats';
