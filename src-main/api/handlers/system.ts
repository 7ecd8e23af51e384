// system.*: the machine and engine behind the API.
import { systemInfo } from '../system-info';
import type { Handlers } from './types';

export const systemHandlers = {
  'system.info': async (_input, { engine, version, supervisor }) => systemInfo(engine, await version(), supervisor),
} satisfies Partial<Handlers>;
