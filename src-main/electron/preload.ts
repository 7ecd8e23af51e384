// The sandboxed preload (built to out/preload/preload.cjs). It may import only `electron`
// and exposes exactly the frozen StrataPreloadApi; the renderer never sees ipcRenderer.
import { contextBridge } from 'electron';
import { PRELOAD_API_KEY, type StrataPreloadApi } from '../shared/preload-api';

/** Replaced at build time with package.json's version (electron.vite.config.ts). */
declare const __STRATA_VERSION__: string;

const api: StrataPreloadApi = Object.freeze({
  version: __STRATA_VERSION__,
  platform: process.platform,
});

contextBridge.exposeInMainWorld(PRELOAD_API_KEY, api);
