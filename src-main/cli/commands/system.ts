// `strata system …`: the system engine — the engine as root, for the machine's users in
// group `strata`, on a Unix socket (src-main/server/unix-socket-server.ts).
//   service      run it in the foreground (what the systemd unit runs; CI and containers too);
//                --rootless: the user's rootless engine instead (rootless-service.ts)
//   connections  the engines this user can reach, whether each answers, and the default
//   info         system.info from the chosen connection (--connection, STRATA_HOST)
//   install      systemd units with socket activation, the group, $SUDO_USER in it
//   uninstall    the reverse; --purge also removes the containers and the store
import fs from 'node:fs';
import path from 'node:path';
import { openSupervisedApi } from '../../api/supervised-api';
import { Api } from '../../api/dispatch';
import { packageRoot } from '../../api/package-info';
import { SYSTEM_GROUP, type ConnectionTarget, connectionName, hasSubordinateIds, resolveConnection, rootlessTarget, systemSocket } from '../../connections/connection';
import { boundProvider, withConnectionMethods } from '../../connections/front-end-methods';
import { type ClosableTransport, localTransport } from '../../connections/local-transport';
import { removeServedStore, writeServedStore } from '../../connections/served-store';
import { startRootlessEngine } from '../../connections/rootless-start';
import { startingTransport } from '../../connections/starting-transport';
import { socketTransport } from '../../connections/socket-transport';
import { defaultStoreRoot } from '../../engine/store/paths';
import { userName } from '../../connections/access-denied';
import { lookupGroup } from '../../server/peer-access';
import { type InstallContext, installSystemService, uninstallSystemService } from '../../server/system-install';
import { startUnixSocketServer } from '../../server/unix-socket-server';
import type { Engine } from '../../engine/index';
import type { Capability, SystemInfo } from '@shared/api/types/system';
import type { Reply } from '@shared/api/protocol';
import { StrataError } from '@shared/errors';
import { type Command, type CommandContext, UsageError, expectPositionals } from '../command';
import { json, table } from '../output';
import { rootlessService } from './rootless-service';

const SUBCOMMANDS = ['service', 'connections', 'info', 'install', 'uninstall'] as const;
/** How long `connections` waits for an engine's answer before calling it unreachable. */
const PROBE_TIMEOUT_MS = 3000;

export const systemCommand: Command = {
  name: 'system',
  usage: 'system service [--socket PATH] [--group NAME] | connections | info [--connection NAME] | install | uninstall [--purge]',
  options: {
    socket: { type: 'string' },
    rootless: { type: 'boolean' },
    group: { type: 'string' },
    purge: { type: 'boolean' },
  },
  async run(context, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const sub = positionals[0] as (typeof SUBCOMMANDS)[number];
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown subcommand ${JSON.stringify(sub)} (have: ${SUBCOMMANDS.join(', ')})`);
    if (sub === 'service') return values.rootless ? rootlessService(context) : service(context, values);
    if (sub === 'connections') return connections(context);
    if (sub === 'info') return info(context, values);
    return sub === 'install' ? install(context) : uninstall(context, values);
  },
};

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new StrataError('PERMISSION_DENIED', `${what} needs root: sudo strata ${what.replace(/^strata /, '')}`);
}

/** Serves until SIGINT or SIGTERM; then the API closes (jobs cancel) and the socket goes. Containers keep running. */
async function service({ engine, output }: CommandContext, values: Record<string, unknown>): Promise<void> {
  requireRoot('strata system service');
  const group = lookupGroup((values.group as string | undefined) ?? SYSTEM_GROUP);
  const socketPath = (values.socket as string | undefined) ?? systemSocket();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const opened: Engine = await engine();
  // The service is its store's supervisor: restart policies and the stats history.
  const supervised = openSupervisedApi({
    engine: opened,
    onInternalError: (method, error) => output.err(`strata system service: ${method} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
  });
  try {
    // connection.* from a raw client: this service, by the name clients use for its socket.
    const self = { name: connectionName(socketPath), kind: 'socket' as const, address: socketPath, state: 'connected' as const, detail: null };
    const server = await startUnixSocketServer({ host: withConnectionMethods(supervised.api, boundProvider(() => self)), socketPath, group, log: output.err });
    try {
      // Root's read-only commands on this store come here instead of opening it (served-store.ts).
      writeServedStore(socketPath, opened.root);
      output.out(`Strata system engine listening on ${server.address} for root and group ${group.name} (gid ${group.gid}); store ${opened.root}\n`);
      if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      output.out('Strata system engine stopping (containers keep running)\n');
    } finally {
      removeServedStore(socketPath);
      await server.close();
    }
  } finally {
    await supervised.close();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** A transport to the connection, and how to let it go. */
async function openTransport(target: ConnectionTarget, context: CommandContext): Promise<ClosableTransport & { release(): Promise<void> }> {
  if (target.kind === 'socket') {
    const connect = () => socketTransport(target.socketPath);
    const transport = target.startOnDemand ? startingTransport(() => startRootlessEngine(), connect) : connect();
    return { ...transport, release: async () => transport.close() };
  }
  const api = new Api({ engine: await context.engine() });
  const transport = localTransport(api);
  return { ...transport, release: () => (transport.close(), api.close()) };
}

/** A call that gives up after `ms` (a service that accepts but never answers). */
function callWithin(transport: ClosableTransport, method: string, ms: number): Promise<Reply> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: { code: 'UNAVAILABLE', message: `no answer within ${ms / 1000} s` } }), ms);
    void transport.invoke(method, {}).then((reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

async function info(context: CommandContext, values: Record<string, unknown>): Promise<void> {
  const target = resolveConnection({ connection: values.connection as string | undefined, root: values.root as string | undefined });
  const transport = await openTransport(target, context);
  try {
    const reply = await transport.invoke('system.info', {});
    if ('error' in reply) throw new StrataError(reply.error.code, reply.error.message);
    const result = reply.result as SystemInfo;
    if (context.json) return context.output.out(json({ connection: target.name, ...result }));
    const { capabilities, ...facts } = result;
    const rows = [['Connection', target.name], ...Object.entries(facts).map(([key, value]) => [key, String(value)]), ...capabilityRows(capabilities)];
    context.output.out(table(['WHAT', 'VALUE'], rows));
  } finally {
    await transport.release();
  }
}

/** The engine's capabilities as table rows: `yes`, or `no: <the engine's reason>`. */
function capabilityRows(capabilities: SystemInfo['capabilities']): string[][] {
  const said = (capability: Capability) => (capability.ok ? 'yes' : `no: ${capability.reason}`);
  const user = capabilities.hostUser;
  return [
    ['containers', said(capabilities.containers)],
    ['limits', said(capabilities.limits)],
    ['pause', said(capabilities.pause)],
    ['networks', capabilities.networks.join(', ') || 'none offered'],
    ['bridge', said(capabilities.bridge)],
    ['statsSource', capabilities.statsSource],
    ['hostUser', `${user.name ?? '?'} (uid ${user.uid})`],
  ];
}

async function connections(context: CommandContext): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  let chosen: string | undefined;
  try {
    chosen = resolveConnection().name;
  } catch (error) {
    context.output.err(`strata system connections: no default: ${(error as Error).message}\n`);
  }
  const targets: { name: string; address: string; socketPath?: string }[] = [
    { name: 'local', address: `this process, store ${defaultStoreRoot()}` },
    { name: 'system', address: `unix://${systemSocket()}`, socketPath: systemSocket() },
  ];
  // A normal user's own engine (root has the system engine): listed, not started by listing.
  const rootless = uid === 0 ? undefined : rootlessTarget();
  if (rootless?.kind === 'socket') targets.push({ name: 'rootless', address: `unix://${rootless.socketPath}`, socketPath: rootless.socketPath });
  const host = process.env.STRATA_HOST;
  if (host) {
    const target = resolveConnection({ env: { STRATA_HOST: host } });
    if (target.kind === 'socket') targets.push({ name: host, address: host, socketPath: target.socketPath });
  }
  const rows = await Promise.all(
    targets.map(async (target) => {
      let status = uid === 0 ? 'yes' : 'yes (images only: containers need root, the system engine or the rootless one)';
      if (target.name === 'rootless' && !fs.existsSync(target.socketPath!)) {
        status = hasSubordinateIds(uid) ? 'no: not running (started on demand)' : `no: you have no subordinate uid/gid range (add one: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${userName(uid) ?? uid})`;
      } else if (target.socketPath) {
        const transport = socketTransport(target.socketPath);
        const reply = await callWithin(transport, 'system.info', PROBE_TIMEOUT_MS);
        transport.close();
        status = 'error' in reply ? `no: ${reply.error.message}${reply.error.code === 'INTERNAL' ? '' : ` [${reply.error.code}]`}` : `yes (Strata ${(reply.result as SystemInfo).version}, store ${(reply.result as SystemInfo).storeRoot})`;
      }
      return { name: target.name, default: target.name === chosen, address: target.address, reachable: status };
    }),
  );
  if (context.json) return context.output.out(json(rows));
  context.output.out(table(['NAME', 'DEFAULT', 'ADDRESS', 'REACHABLE'], rows.map((row) => [row.name, row.default ? '*' : '', row.address, row.reachable])));
}

/** Who asked for root: sudo's $SUDO_USER, or polkit's $PKEXEC_UID (the window's "Install the system engine"). */
function invokingUser(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SUDO_USER) return env.SUDO_USER;
  const uid = Number(env.PKEXEC_UID);
  return env.PKEXEC_UID && Number.isInteger(uid) && uid > 0 ? userName(uid) : undefined;
}

function installContext(): InstallContext {
  const root = packageRoot();
  if (!root) throw new StrataError('INTERNAL', 'cannot find where Strata is installed (its package.json)');
  return { prefix: process.env.STRATA_SYSTEM_PREFIX || '/', node: process.execPath, cli: path.join(root, 'bin', 'strata.js'), sudoUser: invokingUser() };
}

function install({ output }: CommandContext): void {
  requireRoot('strata system install');
  for (const line of installSystemService(installContext())) output.out(`${line}\n`);
}

async function uninstall({ engine, output }: CommandContext, values: Record<string, unknown>): Promise<void> {
  requireRoot('strata system uninstall');
  for (const line of uninstallSystemService(installContext(), { purge: Boolean(values.purge) })) output.out(`${line}\n`);
  if (!values.purge) return output.out('containers and the store stay (strata system uninstall --purge removes them)\n');
  const store = await engine();
  for (const container of await store.listContainers({ all: true })) {
    await store.removeContainer(container.id, { force: true });
    output.out(`container ${container.name}: removed\n`);
  }
  fs.rmSync(store.root, { recursive: true, force: true });
  output.out(`store ${store.root}: removed\n`);
}
