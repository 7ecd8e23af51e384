// connection.*: the engine's own answer, for a client that talks to it in its process with
// no front end between (the CLI's local connection). Front ends that reach an engine some
// other way (the window, `strata serve`) answer these themselves before the call gets here:
// see src-main/connections/front-end-methods.ts.
import { StrataError } from '@shared/errors';
import type { ConnectionInfo } from '@shared/api/types/connection';
import type { Handlers } from './types';

function inProcess(): ConnectionInfo {
  const self = { name: 'local', kind: 'local' as const, address: null, state: 'connected' as const, detail: null };
  return { ...self, available: [self], switchable: false, canInstallSystem: false };
}

const bound = (): never => {
  throw new StrataError('UNSUPPORTED', 'this client runs the engine in its own process: it has no other connection to switch to');
};

export const connectionHandlers = {
  'connection.info': () => inProcess(),
  'connection.use': bound,
  'connection.installSystem': bound,
} satisfies Partial<Handlers>;
