// terminal.*: terminal sessions (a tty container's own terminal, or an exec'd process on one)
// as a byte stream in the API: output and the end as events to the client that opened it
// (terminal-relay.ts), input, resize and close as calls. A session belongs to its client's
// API session: another client cannot address it, and it is closed (detached: the process
// runs on) when its client goes.
import { randomUUID } from 'node:crypto';
import { StrataError } from '@shared/errors';
import type { Session } from '../session';
import { TerminalRelay } from '../terminal-relay';
import type { Handlers } from './types';

/** Input the holder has not taken yet past which more is refused: it takes input only as fast as the terminal does. */
const MAX_QUEUED_INPUT = 1 << 20;

/** Open sessions by id, with the client that owns each. */
const open = new Map<string, { owner: Session; relay: TerminalRelay }>();

function relayOf(id: string, session: Session): TerminalRelay {
  const entry = open.get(id);
  if (!entry || entry.owner !== session) throw new StrataError('NOT_FOUND', `no such terminal session: ${id} (it ended, or belongs to another connection)`);
  return entry.relay;
}

export const terminalHandlers = {
  'terminal.open': async ({ ref, exec, reattach, start, rows, cols }, { engine, session }) => {
    const terminal = await engine.openTerminal({ ref, exec, reattach, start, rows, cols });
    const id = randomUUID();
    const relay = new TerminalRelay(session, id, terminal);
    open.set(id, { owner: session, relay });
    session.own(id, () => {
      open.delete(id);
      relay.close();
    });
    relay.start(() => session.release(id));
    return { session: id, container: terminal.container, ...(terminal.exec ? { exec: terminal.exec } : {}) };
  },

  'terminal.list': ({ ref }, { engine }) => engine.listExecSessions(ref),

  'terminal.input': ({ session: id, data }, { session }) => {
    const { terminal } = relayOf(id, session);
    if (terminal.queuedInput > MAX_QUEUED_INPUT) throw new StrataError('CONFLICT', 'the terminal is not taking input as fast as it comes: send it again later');
    terminal.write(Buffer.from(data, 'base64'));
  },

  'terminal.closeInput': ({ session: id }, { session }) => {
    relayOf(id, session).terminal.closeStdin();
  },

  'terminal.resize': ({ session: id, rows, cols }, { session }) => {
    relayOf(id, session).terminal.resize(rows, cols);
  },

  'terminal.close': ({ session: id }, { session }) => {
    relayOf(id, session);
    session.release(id);
  },
} satisfies Partial<Handlers>;
