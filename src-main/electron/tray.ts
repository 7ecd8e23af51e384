// The tray icon: how many containers run, at a glance, and the way back to the window.
// The count comes from the engine the window is on (containers.list), every few seconds.
// The menu is rebuilt only when the count changes: setContextMenu closes a menu the user has
// open, so rebuilding it on every tick would snap it shut every few seconds.
import path from 'node:path';
import { Menu, Tray, app, nativeImage } from 'electron';

const REFRESH_MS = 3000;

export interface TrayActions {
  runningCount: () => Promise<number>;
  showWindow: () => void;
  quit: () => void;
}

/** What the tray says: the count, or that the engine is not there (rather than 0). */
export function trayLabel(running: number | undefined): string {
  return running === undefined ? 'Engine unavailable' : `${running} container${running === 1 ? '' : 's'} running`;
}

export function createTray(actions: TrayActions): Tray {
  const icon = nativeImage.createFromPath(path.join(app.getAppPath(), 'build', 'icon.png')).resize({ width: 22, height: 22 });
  const tray = new Tray(icon);
  let shown: string | undefined;
  let refreshing = false;
  const refresh = async (): Promise<void> => {
    if (refreshing) return; // a slow engine: one count at a time
    refreshing = true;
    let running: number | undefined;
    try {
      running = await actions.runningCount();
    } catch {
      running = undefined; // the engine is not available: say so rather than 0
    } finally {
      refreshing = false;
    }
    const label = trayLabel(running);
    if (label === shown) return;
    shown = label;
    tray.setToolTip(`Strata — ${label}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label, enabled: false },
        { type: 'separator' },
        { label: 'Open Strata', click: actions.showWindow },
        { label: 'Quit (containers keep running)', click: actions.quit },
      ]),
    );
  };
  // A tick's failure would reach the process's handlers: log it, keep ticking.
  // The promise is returned (setInterval ignores it) so a caller of the tick can wait for it: the tests.
  const tick = (): Promise<void> => refresh().catch((error: unknown) => console.error('strata: the tray could not refresh:', error));
  void tick();
  const timer = setInterval(tick, REFRESH_MS);
  tray.on('click', actions.showWindow);
  app.on('will-quit', () => {
    clearInterval(timer);
    tray.destroy();
  });
  return tray;
}
