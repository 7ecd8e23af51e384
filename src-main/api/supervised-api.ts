// What a long-lived front end opens over its engine (the window, `strata serve`): the API
// and the engine's place in its store's supervisor election, wired together — the API's
// stats sampler writes history only while this engine is elected, and system.info says
// whether it is. One function, so the window and the server cannot drift apart (and the
// tests run the window's path without Electron).
import type { Engine } from '../engine/index';
import type { StoreSupervisor, StoreSupervisorOptions } from '../engine/supervisor/store-supervisor';
import { Api, type ApiOptions } from './dispatch';

export interface SupervisedApi {
  api: Api;
  supervisor: StoreSupervisor;
  /** Closes the API (its samplers write their last points while still elected), then leaves the election. */
  close(): Promise<void>;
}

export function openSupervisedApi(options: Omit<ApiOptions, 'supervisor'> & { engine: Engine }, supervision: StoreSupervisorOptions = {}): SupervisedApi {
  const supervisor = options.engine.superviseStore(supervision);
  let api: Api;
  try {
    api = new Api({ ...options, supervisor });
  } catch (error) {
    supervisor.stop();
    throw error;
  }
  return {
    api,
    supervisor,
    async close() {
      try {
        await api.close();
      } finally {
        supervisor.stop();
      }
    },
  };
}
