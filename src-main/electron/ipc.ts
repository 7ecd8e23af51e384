// The typed API over Electron IPC: the window's renderer calls through the preload
// (preload.ts); every call is checked to come from the window's own main frame showing
// the app — not a subframe, not a page it was somehow navigated to. The same holds for the
// one call besides the API: the system's open dialog, shown over that window.
// Behind the IPC is the window's connection (app-connection.ts): the system engine over its
// socket, or the engine in this process; switching engines re-serves the window and reloads it.
// Events to the window are counted (delivery-ledger.ts) and the preload says how many it has
// taken, so the API sees how far behind the window is, as it sees a WebSocket client's.
import { type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent, dialog, ipcMain } from 'electron';
import { IPC_CHANNELS, type Reply } from '@shared/api/protocol';
import { toErrorShape } from '@shared/errors';
import type { ClientSession } from '../connections/session-host';
import { appSessionHost, closeAppConnection, onConnectionSwitched } from './app-connection';
import { DeliveryLedger } from './delivery-ledger';
import { type AppLocation, isAppUrl, pickPathOptions } from './policy';

const REFUSED: Reply = { error: { code: 'UNSUPPORTED', message: "the Strata API answers only the app's own window" } };

/** Takes the current window's handlers off ipcMain; set while a window is served. */
let detachWindow: (() => void) | undefined;
/** The window served now, to serve again (on the new engine) after a switch. */
let served: { window: BrowserWindow; location: AppLocation } | undefined;

onConnectionSwitched(() => {
  if (!served || served.window.isDestroyed()) return;
  const { window, location } = served;
  serveApiToWindow(window, location);
  window.webContents.reload();
});

/**
 * Before the app exits: the window's session, then the engine — an in-process engine
 * cancels and waits for its running jobs, its samplers write their last points, and it
 * leaves the supervisor election. Containers keep running. Idempotent.
 */
export async function closeAppApi(): Promise<void> {
  detachWindow?.();
  await closeAppConnection();
}

const CHANNELS = [IPC_CHANNELS.invoke, IPC_CHANNELS.subscribe, IPC_CHANNELS.unsubscribe, IPC_CHANNELS.pickPath] as const;

/**
 * Serves the API to `window` until its web contents are destroyed (or another window takes
 * over: ipcMain allows one handler per channel, so the previous window's go first).
 */
export function serveApiToWindow(window: BrowserWindow, location: AppLocation): void {
  detachWindow?.();
  served = { window, location };
  const contents = window.webContents;
  let closed = false;
  const ledger = new DeliveryLedger();
  // The session is this window's seam to the engine (openSession(sink) → call/subscribe/
  // unsubscribe/close): the system engine's socket or the in-process API alike.
  const session: Promise<ClientSession | Reply> = appSessionHost().then(
    (host) => {
      const sink = (event: string, payload: unknown): void => {
        if (contents.isDestroyed()) return;
        contents.send(IPC_CHANNELS.event, event, payload, ledger.sent(payload));
      };
      const opened = host.openSession(sink, { backlog: () => ledger.backlog() });
      if (closed) opened.close();
      return opened;
    },
    (error: unknown) => {
      // The window still opens; every call answers why the engine is not there.
      console.error('strata: the engine cannot start:', error);
      return { error: toErrorShape(error) };
    },
  );

  const fromTheApp = (event: IpcMainInvokeEvent | IpcMainEvent): boolean => {
    const frame = event.senderFrame;
    return event.sender === contents && frame !== null && frame.parent === null && isAppUrl(frame.url, location);
  };
  const answer = async (event: IpcMainInvokeEvent, work: (session: ClientSession) => Reply | Promise<Reply>): Promise<Reply> => {
    if (!fromTheApp(event)) return REFUSED;
    const opened = await session;
    if (!('call' in opened)) return opened;
    try {
      return await work(opened);
    } catch (error) {
      // e.g. the in-process engine cannot open its store: the window shows why, as any failed call
      return { error: toErrorShape(error) };
    }
  };

  const onTaken = (event: IpcMainEvent, count: unknown): void => {
    if (fromTheApp(event)) ledger.acknowledged(count);
  };
  ipcMain.on(IPC_CHANNELS.eventsTaken, onTaken);
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
    if (served?.window === window) served = undefined;
    closed = true;
    void session.then((opened) => ('close' in opened ? opened.close() : undefined));
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
    ipcMain.off(IPC_CHANNELS.eventsTaken, onTaken);
  };
  detachWindow = detach;
  contents.once('destroyed', detach);
}
