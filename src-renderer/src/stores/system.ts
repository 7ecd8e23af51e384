// The machine behind the API (system.info): CPUs and memory for the limits' ceilings,
// the cgroup version and rootless mode for what can work here.
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { api } from '../api/bridge';
import type { SystemInfo } from '@shared/api/types/system';

export const useSystemStore = defineStore('system', () => {
  const info = shallowRef<SystemInfo | undefined>();
  let loading: Promise<void> | undefined;

  function load(): Promise<void> {
    loading ??= api
      .call('system.info')
      .then((answer) => void (info.value = answer))
      .catch(() => void (loading = undefined));
    return loading;
  }

  /** Reads the facts again (another engine after a switch or a reconnect). */
  function reload(): Promise<void> {
    loading = undefined;
    return load();
  }

  /** Ceilings for limits; generous guesses until system.info answers. */
  const host = (): { cpus: number; memoryBytes: number } => ({ cpus: info.value?.cpus ?? 1024, memoryBytes: info.value?.memoryBytes ?? Number.MAX_SAFE_INTEGER });

  return { info, load, reload, host };
});
