// What the detail view of one container shows beyond its record: the files its
// read-write layer changed (containers.diff, with when it was read: the Layers tab reads it
// again as it opens, when the container starts or exits, and every few seconds while it
// runs), and the generated OCI runtime config (containers.runtimeConfig; null before the
// container's first start).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { errorMessage } from '../api/errors';
import { api } from '../api/bridge';
import type { ContainerChange } from '@shared/api/types/containers';

export const useContainerDetailStore = defineStore('containerDetail', () => {
  const id = ref<string | undefined>();
  const runtimeConfig = shallowRef<unknown>();
  const runtimeConfigError = ref<string | undefined>();
  const changes = shallowRef<ContainerChange[] | undefined>();
  const changesError = ref<string | undefined>();
  /** When `changes` was read (ms since the epoch). */
  const changesAt = ref<number | undefined>();
  /** The read under way for a container, which another asking for it joins rather than starting a second. */
  let changesRead: { container: string; done: Promise<void> } | undefined;

  async function load(container: string): Promise<void> {
    if (id.value !== container) {
      changes.value = undefined;
      changesAt.value = undefined;
    }
    id.value = container;
    await Promise.all([loadRuntimeConfig(), loadChanges()]);
  }

  async function loadRuntimeConfig(): Promise<void> {
    const container = id.value;
    if (!container) return;
    runtimeConfigError.value = undefined;
    try {
      const config = await api.call('containers.runtimeConfig', { ref: container });
      if (id.value === container) runtimeConfig.value = config; // another container may be open by now
    } catch (error) {
      if (id.value !== container) return;
      runtimeConfig.value = undefined;
      runtimeConfigError.value = errorMessage(error);
    }
  }

  function loadChanges(): Promise<void> {
    const container = id.value;
    if (!container) return Promise.resolve();
    if (changesRead?.container === container) return changesRead.done;
    const read = { container, done: readChanges(container).finally(() => changesRead === read && (changesRead = undefined)) };
    changesRead = read;
    return read.done;
  }

  async function readChanges(container: string): Promise<void> {
    try {
      const diff = await api.call('containers.diff', { ref: container });
      if (id.value !== container) return; // another container is open by now
      changes.value = diff;
      changesAt.value = Date.now();
      changesError.value = undefined;
    } catch (error) {
      if (id.value !== container) return;
      changes.value = undefined;
      changesError.value = errorMessage(error);
    }
  }

  return { id, runtimeConfig, runtimeConfigError, changes, changesError, changesAt, load, loadChanges };
});
