// Where a build's Containerfile comes from: text the caller gives (the window's editor, for
// a context without one), `-f FILE`, or CONTEXT/Containerfile, else CONTEXT/Dockerfile.
//
// Text given is parsed as it is, from memory: it is never written anywhere — not into the
// user's context (a build reads its context, it does not change it), and not into the
// build's workspace either, since nothing there would read it back. Its size is bounded
// (@shared/build-input) before anything is opened.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MAX_CONTAINERFILE_TEXT } from '@shared/build-input';
import { StrataError } from '@shared/errors';

export interface ContainerfileChoice {
  /** `-f`: a file (relative to the working directory, as docker reads it). */
  containerfile?: string | undefined;
  /** The Containerfile's text itself; excludes `containerfile`. */
  containerfileText?: string | undefined;
}

/** A Containerfile found on disk: its path and text. */
export interface FoundContainerfile {
  file: string;
  text: string;
}

/** Refuses what a build or an outline must not take, before any file is opened. */
export function checkContainerfileChoice(choice: ContainerfileChoice): void {
  const text = choice.containerfileText;
  if (text === undefined) return;
  if (choice.containerfile !== undefined) {
    throw new StrataError('INVALID_ARGUMENT', 'give the Containerfile as a file or as text, not both');
  }
  if (text.length > MAX_CONTAINERFILE_TEXT) {
    throw new StrataError('INVALID_ARGUMENT', `the Containerfile text is ${text.length} characters long; at most ${MAX_CONTAINERFILE_TEXT} are taken`);
  }
}

/** The build's Containerfile text: given, or read as `locateContainerfile` finds it (NOT_FOUND when there is none). */
export async function readBuildContainerfile(contextRoot: string, choice: ContainerfileChoice): Promise<string> {
  checkContainerfileChoice(choice);
  if (choice.containerfileText !== undefined) return choice.containerfileText;
  const found = await locateContainerfile(contextRoot, choice.containerfile);
  if (found) return found.text;
  throw new StrataError('NOT_FOUND', `no Containerfile or Dockerfile in ${contextRoot} (name one with -f)`);
}

/**
 * `given` (NOT_FOUND when it is missing), else CONTEXT/Containerfile, else CONTEXT/Dockerfile;
 * undefined when the context has neither. Only a regular file is read (a FIFO or a device
 * named by mistake would never end), checked on the open file; `maxBytes`: a bigger one is
 * refused unread.
 */
export async function locateContainerfile(contextRoot: string, given: string | undefined, maxBytes?: number): Promise<FoundContainerfile | undefined> {
  const candidates = given !== undefined ? [path.resolve(given)] : ['Containerfile', 'Dockerfile'].map((name) => path.join(contextRoot, name));
  for (const file of candidates) {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new StrataError('INVALID_ARGUMENT', `${file}: ${(error as Error).message}`);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new StrataError('INVALID_ARGUMENT', `${file}: not a regular file`);
      if (maxBytes !== undefined && info.size > maxBytes) throw new StrataError('INVALID_ARGUMENT', `${file}: ${info.size} bytes is too big for a Containerfile (at most ${maxBytes})`);
      return { file, text: await handle.readFile('utf8') };
    } finally {
      await handle.close();
    }
  }
  if (given !== undefined) throw new StrataError('NOT_FOUND', `${given}: no such Containerfile`);
  return undefined;
}
