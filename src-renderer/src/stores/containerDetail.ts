// What the detail view of one container shows beyond its record: the files its
// read-write layer changed (containers.diff), and the generated OCI runtime config
// (containers.runtimeConfig; null before the container's first start).
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

  async function load(container: string): Promise<void> {
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

  async function loadChanges(): Promise<void> {
    const container = id.value;
    if (!container) return;
    changesError.value = undefined;
    try {
      const diff = await api.call('containers.diff', { ref: container });
      if (id.value === container) changes.value = diff;
    } catch (error) {
      if (id.value !== container) return;
      changes.value = undefined;
      changesError.value = errorMessage(error);
    }
  }

  return { id, runtimeConfig, runtimeConfigError, changes, changesError, load, loadChanges };
});
