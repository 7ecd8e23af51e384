// The typed API over Electron IPC: the window's renderer calls through the preload
// (preload.ts); every call is checked to come from the window's own main frame showing
// the app — not a subframe, not a page it was somehow navigated to. The same holds for the
// one call besides the API: the system's open dialog, shown over that window.
import { type BrowserWindow, type IpcMainInvokeEvent, app, dialog, ipcMain } from 'electron';
import type { Api } from '../api/dispatch';
import { type SupervisedApi, openSupervisedApi } from '../api/supervised-api';
import { IPC_CHANNELS, type Reply } from '@shared/api/protocol';
import type { Session } from '../api/session';
import { Engine } from '../engine/index';
import { toErrorShape } from '@shared/errors';
import { type AppLocation, isAppUrl, pickPathOptions } from './policy';

const REFUSED: Reply = { error: { code: 'UNSUPPORTED', message: "the Strata API answers only the app's own window" } };

let shared: SupervisedApi | undefined;
let sharedEngine: Engine | undefined;
/** Takes the current window's handlers off ipcMain; set while a window is served. */
let detachWindow: (() => void) | undefined;

/** The app's one engine, opened on first use. */
export function appEngine(): Engine {
  sharedEngine ??= Engine.open();
  return sharedEngine;
}

/**
 * The app's one API over that engine, with the engine in its store's supervisor election
 * (as `strata serve` does): while elected, the app acts on restart policies and writes the
 * stats history. Quitting ends the process, and the kernel hands the lock on.
 */
function appApi(): Api {
  shared ??= openSupervisedApi({ engine: appEngine(), version: app.getVersion(), onInternalError: (method, error) => console.error(`strata: ${method} failed unexpectedly:`, error) });
  return shared.api;
}

/**
 * Before the app exits: closes the API — running jobs are cancelled and waited for, the
 * samplers write their last points — and leaves the supervisor election. Containers keep
 * running. Idempotent; resolves at once when the API was never opened.
 */
export async function closeAppApi(): Promise<void> {
  detachWindow?.();
  const api = shared;
  if (!api) return;
  await api.close();
}

const CHANNELS = [IPC_CHANNELS.invoke, IPC_CHANNELS.subscribe, IPC_CHANNELS.unsubscribe, IPC_CHANNELS.pickPath] as const;

/**
 * Serves the API to `window` until its web contents are destroyed (or another window takes
 * over: ipcMain allows one handler per channel, so the previous window's go first).
 */
export function serveApiToWindow(window: BrowserWindow, location: AppLocation): void {
  detachWindow?.();
  const contents = window.webContents;
  let session: Session | undefined;
  let failure: Reply | undefined;
  try {
    session = appApi().openSession((event, payload) => {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.event, event, payload);
    });
  } catch (error) {
    // The window still opens; every call answers why the engine is not there.
    console.error('strata: the engine cannot start:', error);
    failure = { error: toErrorShape(error) };
  }

  const fromTheApp = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return event.sender === contents && frame !== null && frame.parent === null && isAppUrl(frame.url, location);
  };
  const answer = (event: IpcMainInvokeEvent, work: (session: Session) => Reply | Promise<Reply>): Reply | Promise<Reply> => {
    if (!fromTheApp(event)) return REFUSED;
    return session ? work(session) : failure!;
  };

  // The session is this window's seam to the engine (openSession(sink) → call/subscribe/
  // unsubscribe/close): a connection to a system engine can stand in for the in-process API.
  ipcMain.handle(IPC_CHANNELS.invoke, (event, method: unknown, input: unknown) => answer(event, (s) => s.call(String(method), input)));
  ipcMain.handle(IPC_CHANNELS.subscribe, (event, name: unknown) => answer(event, (s) => s.subscribe(String(name))));
  ipcMain.handle(IPC_CHANNELS.unsubscribe, (event, name: unknown) => answer(event, (s) => s.unsubscribe(String(name))));
  ipcMain.handle(IPC_CHANNELS.pickPath, async (event, request: unknown): Promise<string | undefined> => {
    const options = pickPathOptions(request);
    if (!fromTheApp(event) || !options) throw new Error('the open dialog answers only the app’s own window, asked for a file or a directory');
    const chosen = await dialog.showOpenDialog(window, { title: options.title, properties: [options.kind === 'directory' ? 'openDirectory' : 'openFile'] });
    return chosen.canceled ? undefined : chosen.filePaths[0];
  });

  const detach = (): void => {
    if (detachWindow !== detach) return; // already detached (destroyed after a newer window took over)
    detachWindow = undefined;
    session?.close();
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
  detachWindow = detach;
  contents.once('destroyed', detach);
}
