// Electron start-up only: one instance, one window, quit when it closes. Everything that
// does work lives in the engine (plain Node) behind the API; see src-main/electron/.
import { type BrowserWindow, app } from 'electron';
import { guardWebContents } from './electron/security';
import { createMainWindow } from './electron/window';

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // Another Strata window is open: it gets focus (second-instance below), this one ends.
  app.quit();
} else {
  let mainWindow: BrowserWindow | undefined;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  // Whatever web contents appear (the window, devtools, anything later): no popups, no webviews.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  // Linux: closing the last window ends the app. Containers keep running (they have shims).
  app.on('window-all-closed', () => app.quit());

  app
    .whenReady()
    .then(() => {
      mainWindow = createMainWindow();
      mainWindow.on('closed', () => {
        mainWindow = undefined;
      });
    })
    .catch((error: unknown) => {
      console.error('strata: start-up failed:', error);
      app.exit(1);
    });
}
