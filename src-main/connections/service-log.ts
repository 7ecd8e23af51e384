// The rootless engine's log (service.log in the runtime directory): each start appends to
// it, and a runtime directory lasts as long as the user's session — weeks, on a workstation
// nobody logs out of. So at a start a log past its bound becomes service.log.1 (replacing
// the one before): what is kept is this start's log and the last stretch before it.
import fs from 'node:fs';

export const SERVICE_LOG_MAX_BYTES = 1024 * 1024;

/** Moves `file` to `file.1` when it has grown past `maxBytes`; whether it did. */
export function rotateServiceLog(file: string, maxBytes = SERVICE_LOG_MAX_BYTES): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return false; // none yet
  }
  if (size <= maxBytes) return false;
  fs.renameSync(file, `${file}.1`);
  return true;
}
