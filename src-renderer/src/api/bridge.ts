// What the Electron preload exposes (window.strata), or undefined in a plain browser
// (the renderer served by `strata serve`). The typed engine client will live in this folder.
import type { StrataPreloadApi } from '../../../src-main/shared/preload-api';

export const bridge: StrataPreloadApi | undefined = window.strata;
