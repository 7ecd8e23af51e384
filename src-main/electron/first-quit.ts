// Quitting Strata leaves containers running (each has its own shim). The first time a user
// quits with containers running, say so once; a flag in the app's data folder remembers.
import fs from 'node:fs';
import path from 'node:path';
import { app, dialog } from 'electron';

const FLAG = 'told-containers-outlive-app';

/** Shows the notice if it is due; resolves false when the user chose to stay. */
export async function confirmFirstQuit(runningCount: number): Promise<boolean> {
  const flag = path.join(app.getPath('userData'), FLAG);
  if (runningCount === 0 || fs.existsSync(flag)) return true;
  const { response } = await dialog.showMessageBox({
    type: 'info',
    buttons: ['Quit', 'Stay'],
    defaultId: 0,
    cancelId: 1,
    title: 'Containers keep running',
    message: `${runningCount} container${runningCount === 1 ? '' : 's'} will keep running after Strata quits.`,
    detail: 'Each container has a shim of its own. Open Strata again (or use `strata ps`) to see and stop them.',
  });
  if (response !== 0) return false;
  fs.mkdirSync(path.dirname(flag), { recursive: true });
  fs.writeFileSync(flag, new Date().toISOString());
  return true;
}
