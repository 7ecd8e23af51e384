// The machine behind the API (system.info): CPUs and memory for the limits' ceilings,
// the cgroup version and rootless mode for what can work here, and the engine's own
// capabilities (what it cannot do, and why) that the window disables things by.
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
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

  /** What the engine can do; undefined until system.info answers (nothing is disabled on a guess). */
  const capabilities = computed(() => info.value?.capabilities);
  /** Why the engine cannot do `what`, or undefined when it can (or has not said yet). */
  const cannot = (what: 'containers' | 'limits' | 'pause' | 'bridge'): string | undefined => {
    const capability = capabilities.value?.[what];
    return capability && !capability.ok ? capability.reason : undefined;
  };

  return { info, capabilities, cannot, load, reload, host };
});
