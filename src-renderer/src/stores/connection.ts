// The connection this window or page talks through (connection.info, answered by the
// front end): its name, state and the others it could switch to; followed live
// (connection.changed) so a dropped engine shows at once and a reconnect clears it.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import type { ConnectionInfo } from '@shared/api/types/connection';
import { useContainersStore } from './containers';
import { useImagesStore } from './images';
import { useSystemStore } from './system';

/** Where the window remembers that the user chose to stay on images-only rather than install the system engine. */
const DISMISSED_KEY = 'strata.engineChoice';

export const useConnectionStore = defineStore('connection', () => {
  const info = shallowRef<ConnectionInfo | undefined>();
  const busy = ref<'switching' | 'installing' | undefined>();
  const failure = ref<string | undefined>();
  const dismissed = ref(readDismissed());
  let started = false;

  function start(): void {
    if (started) return;
    started = true;
    api.on('connection.changed', (changed) => {
      const before = info.value;
      info.value = changed;
      if (changed.state !== 'connected') return;
      // A new engine (switched, or back after a drop) may be another machine's facts: read them again.
      if (before?.name !== changed.name || before.state !== 'connected') void useSystemStore().reload();
      // Back after a drop (or the first answer, if a list failed before it): what changed
      // meanwhile was never told, and a list that failed was never asked again.
      const back = before !== undefined && (before.name !== changed.name || before.state !== 'connected');
      const containers = useContainersStore();
      if (containers.loaded && (back || containers.loadError)) void containers.load();
      const images = useImagesStore();
      if (images.loaded && (back || images.loadError)) void images.load();
    });
    void load();
  }

  async function load(): Promise<void> {
    try {
      info.value = await api.call('connection.info');
    } catch {
      info.value = undefined; // an engine without connection.info (older): nothing to show
    }
  }

  async function use(name: string): Promise<void> {
    await act('switching', () => api.call('connection.use', { name }));
  }

  async function installSystem(): Promise<void> {
    await act('installing', () => api.call('connection.installSystem'));
  }

  async function act(kind: 'switching' | 'installing', work: () => Promise<ConnectionInfo>): Promise<void> {
    busy.value = kind;
    failure.value = undefined;
    try {
      info.value = await work();
    } catch (error) {
      failure.value = errorMessage(error);
    } finally {
      busy.value = undefined;
    }
  }

  /** Stay on what works without the system engine (images and layers); remembered. */
  function dismiss(): void {
    dismissed.value = true;
    try {
      localStorage.setItem(DISMISSED_KEY, 'images-only');
    } catch {
      // storage refused (private mode): remembered for this window only
    }
  }

  const connected = computed(() => info.value === undefined || info.value.state === 'connected');

  return { info, busy, failure, dismissed, connected, start, load, use, installSystem, dismiss };
});

function readDismissed(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === 'images-only';
  } catch {
    return false;
  }
}
