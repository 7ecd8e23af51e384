// Terminal sessions in the window, one per container at most, kept while the user moves
// between tabs and views: the session (terminal.open/input/resize/close), what ended it
// (terminal.exit, or the connection dropping), and the screen its output goes to; and the
// exec sessions the engine keeps running with nobody of this window attached (terminal.list),
// which a reloaded or reopened window, or one whose engine restarted, attaches to again. The
// screen is whatever the panel gives (an xterm.js terminal); the store only writes bytes to
// it and resets it, so it runs without a DOM in the tests.
import { defineStore } from 'pinia';
import { reactive, toRaw } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import { base64ToBytes, textToBase64Pieces } from '../lib/base64';
import type { ExecSessionInfo, TerminalExitEvent, TerminalOutputEvent } from '@shared/api/types/containers';

/** Where a session's output goes; xterm's Terminal fits as it is. */
export interface TerminalScreen {
  write(data: Uint8Array): void;
  reset(): void;
  /** Frees the screen when its container's terminal is forgotten. */
  dispose(): void;
}

/** A shell (`exec`, a new process on a terminal of its own) or the container's own terminal. */
export type TerminalTarget =
  | { kind: 'exec'; /** absent: the container's shell, chosen by the engine (bash, else sh) */ command?: string[] }
  | { kind: 'reattach'; /** an exec session left while it ran (terminal.list) */ execSession: string; command: string[] }
  | { kind: 'attach'; /** start it first (created or exited) */ start?: boolean };

export interface TerminalState {
  target: TerminalTarget;
  status: 'opening' | 'open' | 'ended';
  session?: string;
  /** Why it ended: the engine's terminal.exit, or one the window made (the connection dropped). */
  exit?: TerminalExitEvent;
  /** The open failed, or input was refused: the engine's message. */
  error?: string;
  /** Ended by the user leaving it (the process runs on). */
  detached?: boolean;
  /** Of an exec session: its id (to attach to it again) and what it runs (the shell the engine chose). */
  exec?: { id: string; command: string[] };
}

/** Input pieces, decoded: well under the API's MAX_TERMINAL_INPUT (1 MiB). */
const INPUT_PIECE = 64 * 1024;

export const useTerminalsStore = defineStore('terminals', () => {
  /** By container id. */
  const terminals = reactive<Record<string, TerminalState>>({});
  /** By container id: its exec sessions that run on with nobody of this window attached (refreshLive). */
  const live = reactive<Record<string, ExecSessionInfo[]>>({});
  /** Containers whose shells left running were asked for (a panel shows them): asked again when the engine is back. */
  const watched = new Set<string>();
  const screens = new Map<string, TerminalScreen>();
  /** Session id → container id, for the sessions this window has open. */
  const owners = new Map<string, string>();
  /** Containers whose detail should show the Terminal tab first (just run with -it). */
  const wantedIds = new Set<string>();
  /** Events for sessions not known yet: they may come before the open's answer. */
  let early: { output?: TerminalOutputEvent; exit?: TerminalExitEvent }[] = [];
  let pendingOpens = 0;
  let listening = false;
  /** The last size sent per session, so a fit that changed nothing sends nothing. */
  const sizes = new Map<string, string>();

  function listen(): void {
    if (listening) return;
    listening = true;
    api.on('terminal.output', (event) => receive({ output: event }));
    api.on('terminal.exit', (event) => receive({ exit: event }));
    // Sessions belong to the connection: when it drops, they have ended without a word.
    api.on('connection.changed', (info) => {
      if (info.state !== 'connected') for (const session of [...owners.keys()]) end({ session, exitCode: null, reason: 'lost', message: 'the connection to the engine dropped' });
      // Back (an engine restarted, or the first answer failed): the shells that ran on are there to attach to again.
      else for (const id of new Set([...Object.keys(terminals), ...watched])) void refreshLive(id);
    });
  }

  function receive(event: { output?: TerminalOutputEvent; exit?: TerminalExitEvent }): void {
    const session = (event.output ?? event.exit)!.session;
    const id = owners.get(session);
    if (id === undefined) {
      if (pendingOpens > 0) early.push(event);
      return;
    }
    if (event.output) screens.get(id)?.write(base64ToBytes(event.output.data));
    if (event.exit) end(event.exit);
  }

  function end(exit: TerminalExitEvent): void {
    const id = owners.get(exit.session);
    owners.delete(exit.session);
    sizes.delete(exit.session);
    const state = id === undefined ? undefined : terminals[id];
    if (!state || state.session !== exit.session) return;
    state.status = 'ended';
    state.exit = exit;
  }

  /** The raw state of `id`'s terminal: an open answers to the state it made, not a newer one. */
  const current = (id: string): TerminalState | undefined => (terminals[id] ? toRaw(terminals[id]) : undefined);

  /** The screen kept for `id`'s terminal, if the panel made one. */
  function screen(id: string): TerminalScreen | undefined {
    return screens.get(id);
  }

  function setScreen(id: string, value: TerminalScreen): void {
    screens.set(id, value);
  }

  /**
   * Opens a session on `id` (a previous one is left first), its output on the screen set for
   * `id` (cleared first: an attach replays its scrollback).
   */
  async function open(id: string, target: TerminalTarget, size: { rows: number; cols: number }): Promise<void> {
    listen();
    await detach(id);
    const state: TerminalState = { target, status: 'opening' };
    terminals[id] = state;
    screens.get(id)?.reset();
    pendingOpens++;
    try {
      const opened = await api.call('terminal.open', { ref: id, ...openInput(target), ...size });
      if (current(id) !== state) {
        void api.call('terminal.close', { session: opened.session }).catch(() => {}); // replaced while opening
        return;
      }
      terminals[id]!.session = opened.session;
      terminals[id]!.status = 'open';
      if (opened.exec) terminals[id]!.exec = opened.exec;
      owners.set(opened.session, id);
      sizes.set(opened.session, `${size.rows}x${size.cols}`);
    } catch (error) {
      if (current(id) === state) Object.assign(terminals[id]!, { status: 'ended', error: errorMessage(error) });
    } finally {
      pendingOpens--;
      const held = early;
      early = [];
      for (const event of held) receive(event);
    }
  }

  /**
   * Asks the engine which exec sessions of `id` run on (a window reloaded or reopened, an
   * engine restarted, a shell left with Detach): all but the one this window is attached to.
   */
  async function refreshLive(id: string): Promise<void> {
    listen();
    watched.add(id);
    try {
      const sessions = await api.call('terminal.list', { ref: id });
      const mine = terminals[id]?.status === 'open' || terminals[id]?.status === 'opening' ? terminals[id]?.exec?.id : undefined;
      live[id] = sessions.filter((session) => session.id !== mine);
    } catch {
      delete live[id]; // gone, or the engine is away: nothing to offer
    }
  }

  /** What the user typed or pasted, in order; a refusal (the terminal cannot keep up) shows. */
  async function input(id: string, text: string): Promise<void> {
    const state = terminals[id];
    if (state?.status !== 'open' || !state.session) return;
    for (const data of textToBase64Pieces(text, INPUT_PIECE)) {
      try {
        await api.call('terminal.input', { session: state.session, data });
        state.error = undefined;
      } catch (error) {
        state.error = errorMessage(error);
        return;
      }
    }
  }

  async function resize(id: string, rows: number, cols: number): Promise<void> {
    const session = terminals[id]?.status === 'open' ? terminals[id]!.session : undefined;
    if (!session || rows < 1 || cols < 1 || sizes.get(session) === `${rows}x${cols}`) return;
    sizes.set(session, `${rows}x${cols}`);
    await api.call('terminal.resize', { session, rows, cols }).catch(() => {}); // it may have just ended: its exit says so
  }

  /** Leaves the session; its process runs on. */
  async function detach(id: string): Promise<void> {
    const session = terminals[id]?.session;
    if (!session || !owners.has(session)) return;
    owners.delete(session);
    sizes.delete(session);
    await api.call('terminal.close', { session }).catch(() => {}); // ended meanwhile
  }

  /** The user leaves the session: it shows as ended (Reopen attaches or opens anew). */
  async function leave(id: string): Promise<void> {
    const state = terminals[id];
    if (state?.status !== 'open') return;
    await detach(id);
    Object.assign(state, { status: 'ended', detached: true });
  }

  /** Leaves the session and frees the screen (the container is gone). */
  async function forget(id: string): Promise<void> {
    await detach(id);
    delete terminals[id];
    delete live[id];
    watched.delete(id);
    screens.get(id)?.dispose();
    screens.delete(id);
    wantedIds.delete(id);
  }

  /** Asks the next detail of `id` to show its terminal first. */
  function want(id: string): void {
    wantedIds.add(id);
  }

  /** Whether `id`'s detail was asked to show its terminal first. */
  function wanted(id: string): boolean {
    return wantedIds.has(id);
  }

  /** Whether `id`'s detail was asked to show its terminal first (once). */
  function takeWanted(id: string): boolean {
    return wantedIds.delete(id);
  }

  return { terminals, live, screen, setScreen, open, refreshLive, input, resize, detach, leave, forget, want, wanted, takeWanted };
});

/** terminal.open's input for a target. */
function openInput(target: TerminalTarget): { exec?: { command?: string[] }; reattach?: string; start?: boolean } {
  if (target.kind === 'exec') return { exec: target.command ? { command: target.command } : {} };
  if (target.kind === 'reattach') return { reattach: target.execSession };
  return target.start ? { start: true } : {};
}
