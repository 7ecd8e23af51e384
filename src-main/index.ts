// Electron start-up only: one instance, one window, a tray icon and a menu. Everything that
// does work lives in the engine (plain Node) behind the API; see src-main/electron/.
import { type BrowserWindow, app } from 'electron';
import { installAppMenu } from './electron/app-menu';
import { confirmFirstQuit } from './electron/first-quit';
import { appEngine } from './electron/ipc';
import { guardWebContents } from './electron/security';
import { createTray } from './electron/tray';
import { createMainWindow } from './electron/window';

app.enableSandbox();
if (process.getuid?.() === 0) {
  // Chromium refuses to start its sandbox as root. The renderer stays context-isolated with
  // no Node; only Chromium's process sandbox is off.
  app.commandLine.appendSwitch('no-sandbox');
  console.log("strata: running as root: Chromium's process sandbox is off (--no-sandbox); the renderer keeps context isolation and no Node");
} else {
  console.log('strata: running as a normal user: image and layer views work; containers need root (run the app or `strata` with sudo) until rootless mode lands');
}

async function runningCount(): Promise<number> {
  return (await appEngine().listContainers()).length;
}

if (!app.requestSingleInstanceLock()) {
  // Another Strata window is open: it gets focus (second-instance below), this one ends.
  app.quit();
} else {
  let mainWindow: BrowserWindow | undefined;
  let quitConfirmed = false;

  const showWindow = (): void => {
    if (!mainWindow) {
      mainWindow = createMainWindow();
      mainWindow.on('closed', () => {
        mainWindow = undefined;
      });
      return;
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };

  app.on('second-instance', showWindow);

  // Whatever web contents appear (the window, devtools, anything later): no popups, no webviews.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  // Linux: closing the last window ends the app. Containers keep running (they have shims).
  app.on('window-all-closed', () => app.quit());

  // The first quit with containers running says that they keep running.
  app.on('before-quit', (event) => {
    if (quitConfirmed) return;
    event.preventDefault();
    void runningCount()
      .catch(() => 0)
      .then(confirmFirstQuit)
      .then((quit) => {
        if (!quit) return;
        quitConfirmed = true;
        app.quit();
      });
  });

  app
    .whenReady()
    .then(() => {
      installAppMenu();
      createTray({ runningCount, showWindow, quit: () => app.quit() });
      showWindow();
    })
    .catch((error: unknown) => {
      console.error('strata: start-up failed:', error);
      app.exit(1);
    });
}
