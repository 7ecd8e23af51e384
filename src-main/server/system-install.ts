// `strata system install` / `uninstall`: the system engine as a systemd service with socket
// activation (strata.socket listens on /run/strata/strata.sock, root:strata 0660; the first
// connection starts strata.service), the group `strata`, and the invoking user
// ($SUDO_USER) in it. Every step looks before it acts, so running either twice is fine and
// a run that failed half-way can be run again. `prefix` roots every system path (the
// tests install into a temporary tree: STRATA_SYSTEM_PREFIX); systemctl is asked only when
// systemd runs there (/run/systemd/system), otherwise the report says to run the service in
// the foreground.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_GROUP, SYSTEM_SOCKET } from '../connections/connection';
import { StrataError } from '@shared/errors';
import { lookupGroup } from './peer-access';

export const UNIT_NAMES = ['strata.socket', 'strata.service'] as const;

export const SECURITY_NOTE = `Members of group ${SYSTEM_GROUP} can run containers as root on this machine (as with docker's group): add only users you would trust with root.`;

export interface InstallContext {
  /** Root of every system path: '/' on a real install. */
  prefix: string;
  /** The absolute node binary and CLI script the unit runs. */
  node: string;
  cli: string;
  /** Who ran `sudo` (joins the group); none when root logged in directly. */
  sudoUser?: string;
  /** Runs a system command (groupadd, usermod, systemctl); throws on failure. */
  exec?: (file: string, args: string[]) => void;
}

const inPrefix = (context: InstallContext, file: string): string => path.join(context.prefix, file);
const prefixArgs = (context: InstallContext): string[] => (path.resolve(context.prefix) === '/' ? [] : ['--prefix', context.prefix]);

/** Whether systemd manages this machine (what sd_booted() checks). */
export function systemdRunning(prefix: string): boolean {
  return fs.existsSync(path.join(prefix, 'run/systemd/system'));
}

function run(context: InstallContext, file: string, args: string[]): void {
  if (context.exec) return context.exec(file, args);
  try {
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new StrataError('INTERNAL', `${file} ${args.join(' ')} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** The two unit files: socket activation, and the service it starts. */
export function unitFiles(context: Pick<InstallContext, 'node' | 'cli'>): Record<(typeof UNIT_NAMES)[number], string> {
  const quote = (arg: string) => (/^[\w./+-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`);
  return {
    'strata.socket': [
      '# Written by `strata system install`; removed by `strata system uninstall`.',
      '[Unit]',
      'Description=Strata system engine socket',
      '',
      '[Socket]',
      `ListenStream=${SYSTEM_SOCKET}`,
      'SocketUser=root',
      `SocketGroup=${SYSTEM_GROUP}`,
      'SocketMode=0660',
      'DirectoryMode=0755',
      '',
      '[Install]',
      'WantedBy=sockets.target',
      '',
    ].join('\n'),
    'strata.service': [
      '# Written by `strata system install`; removed by `strata system uninstall`.',
      '[Unit]',
      'Description=Strata system engine',
      'Requires=strata.socket',
      'After=strata.socket network-online.target',
      '',
      '[Service]',
      'Type=simple',
      // The packaged app's binary is Electron: run as Node (its RunAsNode fuse is on for this); plain Node ignores it.
      'Environment=ELECTRON_RUN_AS_NODE=1',
      `ExecStart=${[context.node, context.cli, 'system', 'service'].map(quote).join(' ')}`,
      // Stopping the service stops the engine only: each container's shim is a process of
      // its own that must outlive it (a restarted service re-adopts the containers).
      'KillMode=process',
      'Restart=on-failure',
      '',
      '[Install]',
      'Also=strata.socket',
      '',
    ].join('\n'),
  };
}

/** Writes `file` with `content` (by rename) unless it already says that; true if written. */
function writeIfChanged(file: string, content: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.strata-new`;
  fs.writeFileSync(temporary, content, { mode: 0o644 });
  fs.renameSync(temporary, file);
  return true;
}

function groupMembers(context: InstallContext): string[] {
  const line = fs.readFileSync(inPrefix(context, 'etc/group'), 'utf8').split('\n').find((text) => text.startsWith(`${SYSTEM_GROUP}:`));
  return (line?.split(':')[3] ?? '').split(',').filter(Boolean);
}

function groupExists(context: InstallContext): boolean {
  try {
    lookupGroup(SYSTEM_GROUP, inPrefix(context, 'etc/group'));
    return true;
  } catch {
    return false;
  }
}

/** Installs (or repairs) the service; answers what it did and what the user must do, as lines. */
export function installSystemService(context: InstallContext): string[] {
  const report: string[] = [];
  if (groupExists(context)) report.push(`group ${SYSTEM_GROUP}: already there`);
  else {
    run(context, 'groupadd', ['--system', ...prefixArgs(context), SYSTEM_GROUP]);
    report.push(`group ${SYSTEM_GROUP}: created`);
  }
  const user = context.sudoUser && context.sudoUser !== 'root' ? context.sudoUser : undefined;
  if (user && !groupMembers(context).includes(user)) {
    run(context, 'usermod', ['--append', '--groups', SYSTEM_GROUP, ...prefixArgs(context), user]);
    report.push(`user ${user}: added to group ${SYSTEM_GROUP} — log out and in again (or run \`newgrp ${SYSTEM_GROUP}\`) for it to take effect`);
  } else if (user) {
    report.push(`user ${user}: already in group ${SYSTEM_GROUP} (a login session older than that still needs a new login)`);
  }
  const units = unitFiles(context);
  for (const name of UNIT_NAMES) {
    const file = inPrefix(context, `etc/systemd/system/${name}`);
    report.push(`${file}: ${writeIfChanged(file, units[name]) ? 'written' : 'up to date'}`);
  }
  if (systemdRunning(context.prefix)) {
    run(context, 'systemctl', ['daemon-reload']);
    run(context, 'systemctl', ['enable', '--now', 'strata.socket']);
    report.push(`strata.socket: enabled and listening on ${SYSTEM_SOCKET}; the first connection starts strata.service`);
  } else {
    report.push(`systemd is not running here, so nothing was started: run \`sudo strata system service\` in the foreground (it listens on ${SYSTEM_SOCKET})`);
  }
  report.push(SECURITY_NOTE);
  return report;
}

/**
 * Stops and removes the units; the group stays (it may have been there before install, and
 * its members may use it for other things) unless `purge`, which also removes it — the
 * containers and the store are the caller's to purge.
 */
export function uninstallSystemService(context: InstallContext, options: { purge?: boolean } = {}): string[] {
  const report: string[] = [];
  const unitPaths = UNIT_NAMES.map((name) => inPrefix(context, `etc/systemd/system/${name}`));
  if (systemdRunning(context.prefix) && unitPaths.some((file) => fs.existsSync(file))) {
    // --now stops the socket and the service; KillMode=process leaves the containers' shims.
    run(context, 'systemctl', ['disable', '--now', ...UNIT_NAMES]);
    report.push('strata.socket, strata.service: stopped and disabled (containers keep running)');
  }
  for (const file of unitPaths) {
    if (!fs.existsSync(file)) continue;
    fs.rmSync(file);
    report.push(`${file}: removed`);
  }
  if (systemdRunning(context.prefix)) run(context, 'systemctl', ['daemon-reload']);
  if (groupExists(context) && options.purge) {
    run(context, 'groupdel', [...prefixArgs(context), SYSTEM_GROUP]);
    report.push(`group ${SYSTEM_GROUP}: removed`);
  } else if (groupExists(context) && report.length > 0) {
    report.push(`group ${SYSTEM_GROUP}: kept (--purge removes it)`);
  }
  if (report.length === 0) report.push('the system service was not installed: nothing to do');
  return report;
}
