// Electron start-up only: the sandbox decision, the app:// scheme, one instance, one window,
// a tray icon and a menu, and a quit that closes the API first. Everything that does work
// lives in the engine (plain Node) behind the API; see src-main/electron/.
// Order matters, and test/electron/start-up.test.ts checks it: the sandbox and the
// privileged scheme are settled before ready (Chromium reads both once, at start-up);
// windows, menus, the tray, sessions and protocol handlers exist only after ready.
import { type BrowserWindow, app, session } from 'electron';
import { installAppMenu } from './electron/app-menu';
import { confirmFirstQuit } from './electron/first-quit';
import { appClient } from './electron/app-connection';
import { closeAppApi } from './electron/ipc';
import { sandboxPlan } from './electron/sandbox';
import { guardWebContents, hardenSession } from './electron/security';
import { createTray } from './electron/tray';
import { createMainWindow, registerAppScheme, serveAppScheme } from './electron/window';

/** Running containers of the engine the window is on (the tray, the first-quit notice). */
async function runningCount(): Promise<number> {
  const client = await appClient();
  return (await client.call('containers.list', {})).length;
}

/** Everything after the sandbox decision: the app proper. */
function startApp(): void {
  // Timers in the main process (the restart monitor's tick, the API's pollers) must not end
  // the app when a promise of theirs rejects: log it and carry on.
  process.on('unhandledRejection', (reason) => console.error('strata: unhandled rejection in the main process:', reason));

  registerAppScheme();

  if (!app.requestSingleInstanceLock()) {
    // Another Strata window is open: it gets focus (second-instance below), this one ends.
    console.log('strata: another Strata window is open: showing it');
    app.quit();
    return;
  }

  let mainWindow: BrowserWindow | undefined;
  /** 'closing': the quit is waiting for the notice or for the API to close; 'done': let it through. */
  let quitting: 'no' | 'closing' | 'done' = 'no';

  const showWindow = (): void => {
    if (quitting !== 'no') return;
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

  /** The first quit with containers running says that they keep running; then the API closes (cancelling jobs). */
  const quitWhenDone = async (): Promise<void> => {
    let running = 0;
    try {
      running = await runningCount();
    } catch {
      running = 0; // no engine: nothing runs that the notice could be about
    }
    let quit = true;
    try {
      quit = await confirmFirstQuit(running);
    } catch (error) {
      console.error('strata: the quit notice failed:', error);
    }
    if (!quit) {
      quitting = 'no';
      return;
    }
    try {
      await closeAppApi();
    } catch (error) {
      console.error('strata: closing the API failed:', error);
    }
    quitting = 'done';
    app.quit();
  };

  app.on('second-instance', showWindow);

  // Whatever web contents appear (the window, devtools, anything later): no popups, no webviews.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  // Linux: closing the last window ends the app. Containers keep running (they have shims).
  app.on('window-all-closed', () => app.quit());

  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    void quitWhenDone();
  });

  app
    .whenReady()
    .then(() => {
      serveAppScheme();
      hardenSession(session.defaultSession);
      installAppMenu({ storeRoot: async () => (await (await appClient()).call('system.info')).storeRoot });
      createTray({ runningCount, showWindow, quit: () => app.quit() });
      showWindow();
    })
    .catch((error: unknown) => {
      console.error('strata: start-up failed:', error);
      app.exit(1);
    });
}

const plan = sandboxPlan(process.getuid?.(), process.argv, app.commandLine.hasSwitch('no-sandbox'));
if (plan.kind === 'refuse') {
  // Only reached where Chromium did not abort first: still, never run root unsandboxed by accident.
  console.error(plan.message);
  app.exit(1);
} else {
  // Root: never enableSandbox() — it would drop --no-sandbox and the network service would die.
  if (plan.kind === 'sandbox') app.enableSandbox();
  console.log(plan.message);
  startApp();
}
