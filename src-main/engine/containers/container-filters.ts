// `ps --filter KEY=VALUE`, docker's keys: id (prefix), name (substring), label (KEY or
// KEY=VALUE), status, exited (code), ancestor (image reference or ID prefix), before and
// since (another container). The same key given twice matches either value; different
// keys must all match — docker's rules.
import { StrataError } from '@shared/errors';
import { normalizeReference } from '../images/reference';
import type { ContainerRecord, ContainerStatus } from './container';

export const FILTER_KEYS = ['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type ContainerFilters = Partial<Record<FilterKey, string[]>>;

const STATUSES: readonly ContainerStatus[] = ['created', 'running', 'paused', 'exited'];

/** `["status=exited", "label=a=b"]` → `{ status: ["exited"], label: ["a=b"] }`, checked. */
export function parseContainerFilters(entries: readonly string[]): ContainerFilters {
  const filters: ContainerFilters = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const key = entry.slice(0, equals < 0 ? entry.length : equals) as FilterKey;
    const value = equals < 0 ? '' : entry.slice(equals + 1);
    if (!FILTER_KEYS.includes(key)) throw invalid(`--filter ${JSON.stringify(entry)}: unknown filter ${JSON.stringify(key)} (use ${FILTER_KEYS.join(', ')})`);
    if (equals < 0 || value === '') throw invalid(`--filter ${JSON.stringify(entry)}: expected ${key}=VALUE`);
    if (key === 'status' && !STATUSES.includes(value as ContainerStatus)) throw invalid(`--filter ${JSON.stringify(entry)}: status is one of ${STATUSES.join(', ')}`);
    if (key === 'exited' && !/^\d+$/.test(value)) throw invalid(`--filter ${JSON.stringify(entry)}: exited takes an exit code`);
    (filters[key] ??= []).push(value);
  }
  return filters;
}

/** Whether the filters ask about stopped containers, which `ps` then lists without -a (as docker). */
export function filtersSelectStopped(filters: ContainerFilters): boolean {
  return filters.exited !== undefined || (filters.status ?? []).some((status) => status === 'exited' || status === 'created');
}

/**
 * The records (newest first, states observed) that pass every filter. `before`/`since`
 * name containers among `all`, by name or id prefix.
 */
export function applyContainerFilters(records: ContainerRecord[], filters: ContainerFilters, all: readonly ContainerRecord[] = records): ContainerRecord[] {
  const createdOf = (ref: string): string => {
    const found = all.find((record) => record.name === ref || record.id.startsWith(ref));
    if (!found) throw new StrataError('NOT_FOUND', `--filter before/since: no such container: ${ref}`);
    return found.created;
  };
  const before = filters.before?.map(createdOf);
  const since = filters.since?.map(createdOf);
  return records.filter((record) => {
    const any = (key: FilterKey, test: (value: string) => boolean): boolean => filters[key] === undefined || filters[key]!.some(test);
    return (
      any('id', (value) => record.id.startsWith(value)) &&
      any('name', (value) => record.name.includes(value)) &&
      any('label', (value) => labelMatches(record, value)) &&
      any('status', (value) => record.state.status === value) &&
      any('exited', (value) => record.state.status === 'exited' && exitCodeOf(record) === Number(value)) &&
      any('ancestor', (value) => ancestorMatches(record, value)) &&
      (before === undefined || before.some((created) => record.created < created)) &&
      (since === undefined || since.some((created) => record.created > created))
    );
  });
}

function labelMatches(record: ContainerRecord, filter: string): boolean {
  const labels = record.options.labels ?? {};
  const equals = filter.indexOf('=');
  if (equals < 0) return filter in labels;
  return labels[filter.slice(0, equals)] === filter.slice(equals + 1);
}

function exitCodeOf(record: ContainerRecord): number {
  const { exitCode, signal } = record.state;
  return exitCode ?? (signal ? 128 + signal : 0);
}

function ancestorMatches(record: ContainerRecord, filter: string): boolean {
  const id = record.image.id.replace(/^sha256:/, '');
  if (/^(sha256:)?[a-f0-9]{4,64}$/.test(filter) && id.startsWith(filter.replace(/^sha256:/, ''))) return true;
  try {
    return normalizeReference(filter) === normalizeReference(record.image.ref);
  } catch {
    return false;
  }
}

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message);
}
