// Waiting for a file to change without busy polling: an inotify watch on its directory
// (which sees it appear, change and be replaced) wakes a Waker; callers still poll at an
// interval, for filesystems without inotify. Events are hints, never data.
import fs from 'node:fs';
import path from 'node:path';

/** A wake-up that is not lost if it comes while nobody waits; aborting the signal wakes too. */
export class Waker {
  private pending = false;
  private resolve: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', this.notify);
  }

  readonly notify = (): void => {
    this.pending = true;
    this.resolve?.();
  };

  /** Resolves at the next notify (or at once if one came since the last wait), or after ms. */
  wait(ms: number): Promise<void> {
    if (this.pending || this.signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.resolve = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.resolve = done;
    });
  }

  dispose(): void {
    this.signal.removeEventListener('abort', this.notify);
    this.resolve?.();
  }
}

/** fs.watch on the file's directory, filtered to the file; absent while it cannot be set up. */
export class DirectoryWatch {
  private watcher: fs.FSWatcher | undefined;
  private readonly dir: string;
  private readonly name: string;

  constructor(
    file: string,
    private readonly onChange: () => void,
  ) {
    this.dir = path.dirname(file);
    this.name = path.basename(file);
    this.ensure();
  }

  /** Sets the watch up if it is not (the directory may not exist yet). */
  ensure(): void {
    if (this.watcher) return;
    try {
      const watcher = fs.watch(this.dir, { persistent: false }, (_event, name) => {
        if (name === null || name === this.name) this.onChange();
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
        this.onChange();
      });
      this.watcher = watcher;
    } catch {
      // No directory yet, or no inotify here: the poll covers it.
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
