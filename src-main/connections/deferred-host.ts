// A SessionHost made at the first session's first use, not before: the CLI's local
// connection loads the engine and the API table only when a command calls it, so commands
// that fail on their arguments (and `--help`) never load them. Calls made meanwhile wait.
import type { ClientSession, SessionHost } from './session-host';

export function deferredHost(load: () => Promise<SessionHost>): SessionHost {
  let host: Promise<SessionHost> | undefined;
  return {
    openSession(sink, options): ClientSession {
      const session = (host ??= load()).then((loaded) => loaded.openSession(sink, options));
      return {
        call: async (method, input) => (await session).call(method, input),
        subscribe: async (event) => (await session).subscribe(event),
        unsubscribe: async (event) => (await session).unsubscribe(event),
        close: () => void session.then((opened) => opened.close(), () => undefined),
      };
    },
  };
}
