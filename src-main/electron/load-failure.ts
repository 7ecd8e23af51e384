// When the window's page fails — it did not load, or its renderer process died — say so in
// a dialog over the window and offer to reload or quit. The window is shown only once its
// page is ready to paint (window.ts), so without this a failed load leaves the app running
// with nothing on screen but the tray icon.
import { type BrowserWindow, app, dialog } from 'electron';

/** Chromium's net error for a load cancelled by a newer one (a reload, a hash change): not a failure. */
const ERR_ABORTED = -3;

export function reportLoadFailures(window: BrowserWindow): void {
  const contents = window.webContents;
  let asking = false;

  const offerReload = (title: string, detail: string): void => {
    console.error(`strata: ${title}: ${detail}`);
    if (asking || window.isDestroyed()) return;
    asking = true;
    window.show();
    dialog
      .showMessageBox(window, { type: 'error', title: 'Strata', message: title, detail, buttons: ['Reload', 'Quit'], defaultId: 0, cancelId: 1, noLink: true })
      .then(({ response }) => {
        asking = false;
        if (response === 0 && !window.isDestroyed()) contents.reload();
        else if (response !== 0) app.quit();
      })
      .catch((error: unknown) => {
        asking = false;
        console.error('strata: cannot show the error dialog:', error);
        dialog.showErrorBox(title, detail);
      });
  };

  contents.on('did-fail-load', (_event, errorCode, errorDescription, validatedURL, isMainFrame) => {
    if (!isMainFrame || errorCode === ERR_ABORTED) return;
    offerReload('The window could not load', `${validatedURL}: ${errorDescription} (${errorCode})`);
  });
  contents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    offerReload('The window stopped', `its renderer process ended: ${details.reason} (exit code ${details.exitCode})`);
  });
  contents.on('preload-error', (_event, preloadPath, error) => {
    // The page still loads, but without window.strata it cannot reach the engine.
    offerReload('The window cannot reach the engine', `its preload ${preloadPath} failed: ${error.message}`);
  });
}
