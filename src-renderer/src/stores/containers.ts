// The containers: the list (kept current by `containers.changed`), the list's filter and
// selection, and every action on them. Remove and kill ask first (the confirmation store,
// in words that say what happens); actions mark the container busy at once and report
// failures as toasts — but for run and update, whose forms show what went wrong themselves.
import { type OfferedAction, offeredActions } from '@shared/container-lifecycle';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import type { ContainerOptions, ContainerRecord, ContainerUpdate, ExecResult } from '@shared/api/types/containers';
import { type Question, killContainersQuestion, removeContainersQuestion } from '../lib/confirm-words';
import { useConfirmStore } from './confirm';
import { useJobsStore } from './jobs';
import { useToastsStore } from './toasts';

/** The actions the window offers (src-shared/container-lifecycle.ts says which fit a status). */
export type ContainerAction = OfferedAction;
export type StatusFilter = 'all' | 'running' | 'paused' | 'exited' | 'created';

const ACTION_WORDS: Record<ContainerAction, { doing: string; done: string }> = {
  start: { doing: 'Starting', done: 'Started' },
  stop: { doing: 'Stopping', done: 'Stopped' },
  restart: { doing: 'Restarting', done: 'Restarted' },
  pause: { doing: 'Pausing', done: 'Paused' },
  unpause: { doing: 'Resuming', done: 'Resumed' },
  kill: { doing: 'Killing', done: 'Killed' },
  remove: { doing: 'Removing', done: 'Removed' },
};

export function actionWords(action: ContainerAction): { doing: string; done: string } {
  return ACTION_WORDS[action];
}

/** Which actions make sense for a container in this state: the lifecycle table's answer. */
export function availableActions(container: ContainerRecord): ContainerAction[] {
  return offeredActions(container.state.status);
}

/** The actions nothing undoes: asked about first. */
const DESTRUCTIVE: Partial<Record<ContainerAction, (containers: readonly ContainerRecord[]) => Question>> = {
  remove: removeContainersQuestion,
  kill: killContainersQuestion,
};

export const useContainersStore = defineStore('containers', () => {
  const toasts = useToastsStore();
  const confirm = useConfirmStore();
  const jobs = useJobsStore();
  /** Records are replaced whole, never mutated: shallow is enough. */
  const list = shallowRef<ContainerRecord[]>([]);
  const loaded = ref(false);
  const loadError = ref<string | undefined>();
  const search = ref('');
  const status = ref<StatusFilter>('all');
  const selected = ref<Set<string>>(new Set());
  /** id → the action under way. */
  const busy = ref<Record<string, ContainerAction>>({});
  let stopListening: (() => void) | undefined;
  /** id → how many containers.changed came for it: an action's answer yields to one that came during the call. */
  const told = new Map<string, number>();

  const byId = computed(() => new Map(list.value.map((container) => [container.id, container])));
  const running = computed(() => list.value.filter((container) => container.state.status === 'running'));

  const filtered = computed(() => {
    const text = search.value.trim().toLowerCase();
    return list.value.filter(
      (container) =>
        (status.value === 'all' || container.state.status === status.value) &&
        (!text || container.name.toLowerCase().includes(text) || container.image.ref.toLowerCase().includes(text) || container.id.startsWith(text)),
    );
  });

  function upsert(container: ContainerRecord): void {
    const at = list.value.findIndex((c) => c.id === container.id);
    list.value = at < 0 ? [container, ...list.value] : list.value.map((c, i) => (i === at ? container : c));
  }

  function drop(id: string): void {
    list.value = list.value.filter((c) => c.id !== id);
    if (selected.value.delete(id)) selected.value = new Set(selected.value);
  }

  async function load(): Promise<void> {
    try {
      list.value = sortByCreated(await api.call('containers.list', { all: true }));
      loadError.value = undefined;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loaded.value = true;
    }
  }

  /** Loads the list and keeps it current; call once. */
  function start(): void {
    if (stopListening) return;
    stopListening = api.on('containers.changed', ({ id, container }) => {
      told.set(id, (told.get(id) ?? 0) + 1);
      if (container) upsert(container);
      else drop(id);
    });
    void load();
  }

  function find(ref: string): ContainerRecord | undefined {
    return byId.value.get(ref) ?? list.value.find((c) => c.name === ref);
  }

  /**
   * Does `action` to each container — after asking, for remove and kill. Resolves false when
   * the person said no (nothing was done), true once every call has ended (failures are toasts).
   */
  async function act(action: ContainerAction, ids: readonly string[]): Promise<boolean> {
    const ask = DESTRUCTIVE[action];
    // The question names what the list knows; an id it does not know is gone already (the engine will say so).
    const known = ids.map((id) => byId.value.get(id)).filter((c) => c !== undefined);
    if (ask && known.length) {
      const question = ask(known);
      if (!(await confirm.ask(question.title, question.words))) return false;
    }
    await Promise.all(ids.map((id) => actOne(action, id)));
    return true;
  }

  /** A stop's grace time cut short: SIGKILL now. The stop was asked for already; this asks nothing more. */
  async function killNow(id: string): Promise<void> {
    await actOne('kill', id);
  }

  async function actOne(action: ContainerAction, id: string): Promise<void> {
    const name = byId.value.get(id)?.name ?? id.slice(0, 12);
    busy.value = { ...busy.value, [id]: action };
    try {
      if (action === 'remove') {
        await api.call('containers.remove', { ref: id, force: true });
        drop(id);
      } else {
        const before = told.get(id);
        const answer = await api.call(`containers.${action}`, { ref: id });
        // The engine tells what a call did (containers.changed) before it answers, so an
        // event that came during the call is at least as new as the answer (a killed
        // container's exit may even be newer): keep it. Otherwise the answer is the news.
        if (told.get(id) === before) upsert(answer);
      }
      toasts.success(`${ACTION_WORDS[action].done} ${name}`);
    } catch (error) {
      toasts.error(`Could not ${action} ${name}`, error);
    } finally {
      const { [id]: _done, ...rest } = busy.value;
      busy.value = rest;
    }
  }

  /** Creates and starts a container; throws what the engine said (the run dialog shows it, at the field it concerns). */
  async function run(image: string, options: ContainerOptions): Promise<ContainerRecord> {
    const started = await api.call('containers.run', { image, options });
    // It may have exited already and said so in an event before the answer: that is newer.
    const container = (told.has(started.id) && byId.value.get(started.id)) || started;
    upsert(container);
    toasts.success(`Started ${container.name}`);
    return container;
  }

  /** New limits for a container, applied at once if it runs (the engine's update); throws what the engine said (the Limits form shows it). */
  async function update(id: string, limits: ContainerUpdate): Promise<void> {
    const name = byId.value.get(id)?.name ?? id.slice(0, 12);
    upsert(await api.call('containers.update', { ref: id, update: limits }));
    toasts.success(`New limits for ${name}`);
  }

  /** The container's layer as a new image (a job); resolves with the new image's id. */
  async function commit(id: string, tag?: string): Promise<string> {
    const name = byId.value.get(id)?.name ?? id.slice(0, 12);
    try {
      const image = await jobs.run('containers.commit', tag ? { ref: id, tag } : { ref: id });
      toasts.success(`Committed ${name}`, tag ? `as ${tag}` : undefined);
      return image.id;
    } catch (error) {
      toasts.error(`Could not commit ${name}`, error);
      throw error;
    }
  }

  /** Runs a command in a running container and collects its output; throws what the engine said. */
  function exec(id: string, command: string[]): Promise<ExecResult> {
    return api.call('containers.exec', { ref: id, command });
  }

  function toggleSelected(id: string, on: boolean): void {
    const next = new Set(selected.value);
    if (on) next.add(id);
    else next.delete(id);
    selected.value = next;
  }

  function selectAll(on: boolean): void {
    selected.value = new Set(on ? filtered.value.map((c) => c.id) : []);
  }

  return { list, loaded, loadError, search, status, selected, busy, byId, running, filtered, start, load, find, act, killNow, run, update, commit, exec, upsert, toggleSelected, selectAll };
});

function sortByCreated(list: ContainerRecord[]): ContainerRecord[] {
  return [...list].sort((a, b) => b.created.localeCompare(a.created));
}
