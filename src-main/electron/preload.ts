// The sandboxed preload (built to out/preload/preload.cjs). It may import only `electron`
// (everything else is bundled in) and exposes exactly the frozen StrataPreloadApi: the
// API's transport over IPC, and the system's open dialog. The renderer never sees
// ipcRenderer; the main process checks every call (src-main/electron/ipc.ts).
import { contextBridge, ipcRenderer } from 'electron';
import { EventListeners } from '@shared/api/listeners';
import { type EventListener, IPC_CHANNELS, type Reply } from '@shared/api/protocol';
import { type PickPathOptions, PRELOAD_API_KEY, type StrataPreloadApi } from '@shared/preload-api';

/** Replaced at build time with package.json's version (electron.vite.config.ts). */
declare const __STRATA_VERSION__: string;

/** How often, at most, the preload tells the main process which events it has taken. */
const TAKEN_EVERY_MS = 25;

const listeners = new EventListeners();
/** The sequence number of the last event taken; told to the main process (ipc.ts), which bounds how far behind the window may fall. */
let taken = 0;
let telling: ReturnType<typeof setTimeout> | undefined;
ipcRenderer.on(IPC_CHANNELS.event, (_event, name: string, payload: unknown, seq: unknown) => {
  listeners.emit(name, payload);
  if (typeof seq === 'number') taken = seq;
  telling ??= setTimeout(() => {
    telling = undefined;
    ipcRenderer.send(IPC_CHANNELS.eventsTaken, taken);
  }, TAKEN_EVERY_MS);
});

/** An IPC call; a failure of IPC itself (no handler: the engine did not start) becomes an error reply. */
function ask(channel: string, ...args: unknown[]): Promise<Reply> {
  return (ipcRenderer.invoke(channel, ...args) as Promise<Reply>).catch((error: unknown) => ({
    error: { code: 'INTERNAL' as const, message: error instanceof Error ? error.message : String(error) },
  }));
}

function askToSend(channel: string, event: string): void {
  void ask(channel, event).then((reply) => {
    if ('error' in reply) console.warn(`strata: ${channel} ${event}: ${reply.error.message}`);
  });
}

const api: StrataPreloadApi = Object.freeze({
  version: __STRATA_VERSION__,
  platform: process.platform,
  invoke: (method: string, input: unknown) => ask(IPC_CHANNELS.invoke, method, input),
  pickPath: ({ kind, title }: PickPathOptions) => ipcRenderer.invoke(IPC_CHANNELS.pickPath, { kind, title }) as Promise<string | undefined>,
  subscribe(event: string, listener: EventListener): () => void {
    const registration = listeners.add(event, listener);
    if (registration.first) askToSend(IPC_CHANNELS.subscribe, event);
    return () => {
      if (registration.remove().last) askToSend(IPC_CHANNELS.unsubscribe, event);
    };
  },
});

contextBridge.exposeInMainWorld(PRELOAD_API_KEY, api);
