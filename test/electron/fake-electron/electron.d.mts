// Types for the parts of the fake electron (electron.mjs) that TypeScript tests import: the
// preload's side (contextBridge, ipcRenderer) and the recorded state.
import type { EventEmitter } from 'node:events';

export const fake: {
  calls: string[];
  exposed: Record<string, unknown>;
  rendererInvoke: (channel: string, ...args: unknown[]) => Promise<unknown>;
  rendererSent: unknown[][];
};
export const contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
export const ipcRenderer: EventEmitter & { invoke(channel: string, ...args: unknown[]): Promise<unknown>; send(channel: string, ...args: unknown[]): void };
