// The main window: sandboxed, context-isolated renderer with only the preload's bridge (the
// typed API over IPC, ipc.ts), loading the built renderer (or the dev server under `electron-vite dev`).
import path from 'node:path';
import { BrowserWindow, app, nativeTheme, session } from 'electron';
import { serveApiToWindow } from './ipc';
import type { AppLocation } from './policy';
import { confineNavigation, guardWebContents, hardenSession } from './security';

/** Same colours as the renderer's --bg, so the window never flashes white before paint. */
const BACKGROUND = { light: '#f5f6f8', dark: '#111318' } as const;

/** The renderer's location: the dev server URL only in an unpackaged dev run. */
export function rendererLocation(): AppLocation {
  const devUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
  if (devUrl) return { kind: 'url', url: devUrl };
  return { kind: 'file', file: path.join(app.getAppPath(), 'out', 'renderer', 'index.html') };
}

export function createMainWindow(): BrowserWindow {
  const location = rendererLocation();
  hardenSession(session.defaultSession);

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
  window.once('ready-to-show', () => window.show());

  const loaded = location.kind === 'url' ? window.loadURL(location.url) : window.loadFile(location.file);
  loaded.catch((error: unknown) => {
    console.error('strata: cannot load the window contents:', error);
  });
  return window;
}
