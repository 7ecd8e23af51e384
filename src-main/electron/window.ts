// The main window: sandboxed, context-isolated renderer with only the preload's bridge (the
// typed API over IPC, ipc.ts), loading the built renderer over the app's own scheme
// (app://strata, app-protocol.ts) — or the dev server under `electron-vite dev`.
import path from 'node:path';
import { BrowserWindow, app, nativeTheme, protocol } from 'electron';
import { APP_ENTRY_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppRequest } from './app-protocol';
import { serveApiToWindow } from './ipc';
import { reportLoadFailures } from './load-failure';
import type { AppLocation } from './policy';
import { confineNavigation, guardWebContents } from './security';

/** Same colours as the renderer's --bg, so the window never flashes white before paint. */
const BACKGROUND = { light: '#f5f6f8', dark: '#111318' } as const;

/** The renderer's location: the dev server URL only in an unpackaged dev run. */
export function rendererLocation(): AppLocation {
  const devUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
  return devUrl ? { kind: 'url', url: devUrl } : { kind: 'app' };
}

/** Before ready (Chromium reads privileged schemes once, at start-up): app:// is a standard, secure scheme. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
}

/** After ready: app:// answers from the built renderer (inside app.asar when packaged). */
export function serveAppScheme(): void {
  const root = path.join(app.getAppPath(), 'out', 'renderer');
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(root, request));
}

export function createMainWindow(): BrowserWindow {
  const location = rendererLocation();

  const window = new BrowserWindow({
    title: 'Strata',
    width: 1280,
    height: 800,
    minWidth: 860,
    minHeight: 540,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light,
    webPreferences: {
      // app.getAppPath() is the package root (or app.asar): stable whichever chunk this is in.
      preload: path.join(app.getAppPath(), 'out', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });

  guardWebContents(window.webContents);
  confineNavigation(window.webContents, location);
  serveApiToWindow(window, location);
  reportLoadFailures(window);
  window.once('ready-to-show', () => window.show());

  // A failure is reported by did-fail-load (load-failure.ts); the promise only logs.
  window.loadURL(location.kind === 'url' ? location.url : APP_ENTRY_URL).catch((error: unknown) => {
    console.error('strata: cannot load the window contents:', error);
  });
  return window;
}
