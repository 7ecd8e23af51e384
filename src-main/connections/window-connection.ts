// The window's connection: which engine the app's window talks to, remembered across
// starts, switched on request, with the system engine's install offered where it is
// absent. Electron-free (the main process hands in how to open an engine, how to install,
// and what to do after a switch), so it is tested under plain Node.
//
// Default: the remembered choice; else what the CLI would pick (a normal user → the system
// engine when its socket exists, else their rootless engine (started on demand) when they
// have subordinate ids, else the engine in this process, which can show images and layers
// but start no container; root → in this process).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConnectionInfo, ConnectionState, ConnectionStatus } from '@shared/api/types/connection';
import { StrataError } from '@shared/errors';
import { type ConnectionTarget, resolveConnection } from './connection';
import type { ConnectionProvider } from './front-end-methods';
import type { ClientSession, SessionHost, SessionOptions, SessionSink } from './session-host';

/** How an engine link is doing; a local engine is always connected. */
export interface LinkStatus {
  state: ConnectionState;
  detail: string | null;
}

/** An open engine: sessions, its status as it changes, and closing. */
export interface EngineLink {
  host: SessionHost;
  status(): LinkStatus;
  onStatus(listener: (status: LinkStatus) => void): () => void;
  /** Settles once the link knows its first state (a probe), so info() right after opening is true. */
  ready?: Promise<void>;
  close(): Promise<void>;
}

export interface WindowConnectionOptions {
  /** The JSON file the choice is kept in (the app's settings folder). */
  settingsFile: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  /** Whether the user has subordinate ids (the rootless default); tests pass their own. */
  hasSubordinateIds?: (uid: number) => boolean;
  /** Opens an engine: in this process for local, a socket client for the system engine. */
  open(target: ConnectionTarget): EngineLink;
  /** How a connection not in use is doing now (a short probe). */
  probe(target: ConnectionTarget): Promise<LinkStatus>;
  /** Installs and starts the system engine (pkexec); absent where that cannot be offered. */
  installSystem?: () => Promise<void>;
  /** After a switch: the window reloads, so its views re-read everything from the new engine. */
  onSwitched?: (info: ConnectionInfo) => void;
}

interface Settings {
  connection?: string;
}

export class WindowConnection implements ConnectionProvider {
  private link: EngineLink;
  private target: ConnectionTarget;
  private others: ConnectionStatus[] = [];
  private readonly listeners = new Set<(info: ConnectionInfo) => void>();
  private stopStatus: () => void;

  private constructor(
    private readonly options: WindowConnectionOptions,
    target: ConnectionTarget,
  ) {
    this.target = target;
    this.link = options.open(target);
    this.stopStatus = this.link.onStatus(() => this.changed());
  }

  /** Opens the remembered (or default) connection; a remembered name that is no longer known falls back to the default. */
  static async open(options: WindowConnectionOptions): Promise<WindowConnection> {
    const remembered = (await readSettings(options.settingsFile)).connection;
    let target: ConnectionTarget;
    try {
      target = resolveConnection({ connection: remembered, env: options.env, uid: options.uid, hasSubordinateIds: options.hasSubordinateIds });
    } catch {
      target = resolveConnection({ env: options.env, uid: options.uid, hasSubordinateIds: options.hasSubordinateIds });
    }
    const connection = new WindowConnection(options, target);
    await connection.link.ready;
    await connection.refreshOthers();
    return connection;
  }

  /** Sessions always go to the engine in use at the time they open. */
  readonly host: SessionHost = {
    openSession: (sink: SessionSink, options?: SessionOptions): ClientSession => this.link.host.openSession(sink, options),
  };

  info(): ConnectionInfo {
    const own = this.status(this.target, this.link.status());
    const available = [own, ...this.others.filter((other) => other.name !== own.name)];
    const system = available.find((other) => other.name === 'system');
    return {
      ...own,
      available,
      switchable: true,
      canInstallSystem: this.options.installSystem !== undefined && system?.state === 'unreachable',
    };
  }

  onChange(listener: (info: ConnectionInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async use(name: string): Promise<ConnectionInfo> {
    const target = resolveConnection({ connection: name, env: this.options.env, uid: this.options.uid, hasSubordinateIds: this.options.hasSubordinateIds });
    await writeSettings(this.options.settingsFile, { connection: target.name });
    if (target.name !== this.target.name) await this.switchTo(target);
    return this.info();
  }

  async installSystem(): Promise<ConnectionInfo> {
    if (!this.options.installSystem) throw new StrataError('UNSUPPORTED', 'cannot install the system engine from here (no pkexec): run `sudo strata system install` in a terminal');
    await this.options.installSystem();
    return this.use('system');
  }

  async close(): Promise<void> {
    this.stopStatus();
    await this.link.close();
  }

  private async switchTo(target: ConnectionTarget): Promise<void> {
    const old = this.link;
    this.stopStatus();
    this.target = target;
    this.link = this.options.open(target);
    this.stopStatus = this.link.onStatus(() => this.changed());
    await old.close();
    await this.link.ready;
    await this.refreshOthers();
    const info = this.info();
    this.changed();
    this.options.onSwitched?.(info);
  }

  /** The connections not in use, probed: offered in the switcher with their state. */
  private async refreshOthers(): Promise<void> {
    // a normal user's own rootless engine too (probed, not started, until chosen)
    const uid = this.options.uid ?? process.getuid?.() ?? 0;
    const names = ['system', ...(uid === 0 ? [] : ['rootless']), 'local'].filter((name) => name !== this.target.name);
    this.others = await Promise.all(
      names.map(async (name) => {
        const target = resolveConnection({ connection: name, env: this.options.env, uid: this.options.uid, hasSubordinateIds: this.options.hasSubordinateIds });
        return this.status(target, await this.options.probe(target).catch((error: unknown) => ({ state: 'unreachable' as const, detail: String(error) })));
      }),
    );
  }

  private status(target: ConnectionTarget, link: LinkStatus): ConnectionStatus {
    return { name: target.name, kind: target.kind, address: target.kind === 'socket' ? target.socketPath : null, state: link.state, detail: link.detail };
  }

  private changed(): void {
    const info = this.info();
    for (const listener of [...this.listeners]) listener(info);
  }
}

async function readSettings(file: string): Promise<Settings> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Settings) : {};
  } catch {
    return {}; // none yet, or unreadable: the default
  }
}

async function writeSettings(file: string, settings: Settings): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(temporary, file);
}
