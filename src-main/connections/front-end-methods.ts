// The `connection.*` methods and the `connection.changed` event, answered by a front end
// (the window's main process, `strata serve`) in front of whatever engine it reaches: only
// the front end knows its connection's name, state and alternatives. Every other call,
// subscription and event passes through to the engine's session unchanged.
import { methods } from '@shared/api/contract';
import { StrataError, toErrorShape } from '@shared/errors';
import type { Reply } from '@shared/api/protocol';
import type { ConnectionInfo, ConnectionStatus } from '@shared/api/types/connection';
import type { ClientSession, SessionHost, SessionOptions, SessionSink } from './session-host';

export interface ConnectionProvider {
  info(): ConnectionInfo;
  /** Listens to changes of info(); returns how to stop. */
  onChange(listener: (info: ConnectionInfo) => void): () => void;
  /** Absent: this front end is bound to one connection. */
  use?(name: string): Promise<ConnectionInfo>;
  /** Absent: this front end cannot install the system engine. */
  installSystem?(): Promise<ConnectionInfo>;
}

const CHANGED = 'connection.changed';

export function withConnectionMethods(host: SessionHost, provider: ConnectionProvider): SessionHost {
  return {
    openSession(sink: SessionSink, options?: SessionOptions): ClientSession {
      const inner = host.openSession(sink, options);
      let stopChanges: (() => void) | undefined;
      return {
        call(method: string, input: unknown): Promise<Reply> {
          if (method === 'connection.info') return reply(async () => provider.info());
          if (method === 'connection.use') {
            return reply(async () => {
              const parsed = methods['connection.use'].input.safeParse(input);
              if (!parsed.success) throw new StrataError('INVALID_ARGUMENT', 'connection.use takes { name }');
              if (!provider.use) throw new StrataError('UNSUPPORTED', `this front end is bound to ${provider.info().name}: start it with another --connection to use ${parsed.data.name}`);
              return provider.use(parsed.data.name);
            });
          }
          if (method === 'connection.installSystem') {
            return reply(async () => {
              if (!provider.installSystem) throw new StrataError('UNSUPPORTED', 'only the window can install the system engine; from a terminal: sudo strata system install');
              return provider.installSystem();
            });
          }
          return inner.call(method, input);
        },
        subscribe(event: string): Reply | Promise<Reply> {
          if (event !== CHANGED) return inner.subscribe(event);
          stopChanges ??= provider.onChange((info) => sink(CHANGED, info));
          return { result: null };
        },
        unsubscribe(event: string): Reply | Promise<Reply> {
          if (event !== CHANGED) return inner.unsubscribe(event);
          stopChanges?.();
          stopChanges = undefined;
          return { result: null };
        },
        close(): void {
          stopChanges?.();
          stopChanges = undefined;
          inner.close();
        },
      };
    },
  };
}

async function reply(work: () => Promise<unknown>): Promise<Reply> {
  try {
    return { result: await work() };
  } catch (error) {
    return { error: toErrorShape(error) };
  }
}

/**
 * A front end bound to one connection (`strata serve`, the system service itself): its
 * status as `describe` gives it now; `follow` (optional) tells of changes to it.
 */
export function boundProvider(describe: () => ConnectionStatus, follow?: (changed: () => void) => () => void): ConnectionProvider {
  const info = (): ConnectionInfo => {
    const own = describe();
    return { ...own, available: [own], switchable: false, canInstallSystem: false };
  };
  return {
    info,
    onChange: (listener) => follow?.(() => listener(info())) ?? (() => {}),
  };
}
