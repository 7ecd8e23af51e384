// The application menu: the few entries a desktop app is expected to have. Views and
// actions live in the window (and its command palette), not here.
import { Menu, type MenuItemConstructorOptions, app, dialog, shell } from 'electron';

export interface AppMenuActions {
  /** The engine's store root (images, containers, their logs); rejects when the engine is not there. */
  storeRoot: () => Promise<string>;
}

/** Opens the engine's store in the file manager (not Electron's profile folder, which holds no logs). */
async function openStore(actions: AppMenuActions): Promise<void> {
  let root: string;
  try {
    root = await actions.storeRoot();
  } catch (error) {
    dialog.showErrorBox('Strata', `The engine's store is not available: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  await shell
    .openPath(root)
    .then((failure) => {
      // openPath resolves with an error message, or '' on success.
      if (failure) dialog.showErrorBox('Strata', `Cannot open ${root}: ${failure}`);
    })
    .catch((error: unknown) => console.error(`strata: cannot open ${root}:`, error));
}

export function installAppMenu(actions: AppMenuActions): void {
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: [{ role: 'close' }, { type: 'separator' }, { role: 'quit', label: 'Quit (containers keep running)' }] },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    {
      label: 'Help',
      submenu: [
        { label: `Strata ${app.getVersion()}`, enabled: false },
        { label: 'Store and logs folder', click: () => void openStore(actions) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
