// system.*: the machine and engine behind the API.
import type { Handlers } from './types';

export const systemHandlers = {
  // Loaded at the first ask (cgroup layout, networks, capabilities): commands that never ask load none of it.
  'system.info': async (_input, { engine, version, supervisor }) => {
    const { systemInfo } = await import('../system-info');
    return systemInfo(engine, await version(), supervisor);
  },
} satisfies Partial<Handlers>;
