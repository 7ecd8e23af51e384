// The tray icon: how many containers run, at a glance, and the way back to the window.
// The count comes from the engine's records (cheap reads, no processes), every few seconds.
import path from 'node:path';
import { Menu, Tray, app, nativeImage } from 'electron';

const REFRESH_MS = 3000;

export interface TrayActions {
  runningCount: () => Promise<number>;
  showWindow: () => void;
  quit: () => void;
}

export function createTray(actions: TrayActions): Tray {
  const icon = nativeImage.createFromPath(path.join(app.getAppPath(), 'build', 'icon.png')).resize({ width: 22, height: 22 });
  const tray = new Tray(icon);
  const refresh = async (): Promise<void> => {
    let running: number | undefined;
    try {
      running = await actions.runningCount();
    } catch {
      running = undefined; // the engine is not available: say so rather than 0
    }
    const label = running === undefined ? 'Engine unavailable' : `${running} container${running === 1 ? '' : 's'} running`;
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
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  tray.on('click', actions.showWindow);
  app.on('will-quit', () => clearInterval(timer));
  return tray;
}
