/// <reference types="vite/client" />
import type { StrataPreloadApi } from '@shared/preload-api';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the renderer is served to a plain browser. */
    readonly strata?: StrataPreloadApi;
  }
}

export {};
