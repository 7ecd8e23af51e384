// The application menu: the few entries a desktop app is expected to have. Views and
// actions live in the window (and its command palette), not here.
import { Menu, type MenuItemConstructorOptions, app, shell } from 'electron';

export function installAppMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: [{ role: 'close' }, { type: 'separator' }, { role: 'quit', label: 'Quit (containers keep running)' }] },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    {
      label: 'Help',
      submenu: [
        { label: `Strata ${app.getVersion()}`, enabled: false },
        { label: 'Store and logs folder', click: () => void shell.openPath(app.getPath('userData')) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
