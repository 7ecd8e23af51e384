// Whether a path exists, asked off the event loop: fs.existsSync's answer for code the
// window waits on (the API's methods and timers). Any error (ENOENT, EACCES, ENOTDIR) is
// "no", as existsSync has it.
import fs from 'node:fs';

export async function pathExists(file: string): Promise<boolean> {
  try {
    await fs.promises.access(file);
    return true;
  } catch {
    return false;
  }
}
