// The pasta process of a container on the rootless engine's `pasta` network (Debian's
// passt package): like slirp4netns, user-mode NAT between a tap device in the container's
// namespace and the host's own sockets, no root on the host needed — but it forwards
// published ports itself, from its command line, and has no API socket.
//
// How it is run (pasta(1) of passt 2023_03_09, and every later one):
// - `--netns <file>`: the namespace the engine made (given as a path, pasta joins only it,
//   not a user namespace: it runs in the engine's, as uid 0 there, which owns it);
//   `--config-net` sets the tap's address and route and brings it up.
// - The addresses are slirp4netns's (`eth0` 10.0.2.100/24 via 10.0.2.2), not pasta's default
//   of copying the host's: a container with the host's own address could not reach the host
//   by it (its packets to that address would stay inside the namespace).
// - `--ipv4-only`: Strata's networks are IPv4 (the host's IPv6 address would be copied too).
// - The host's loopback stays closed, as slirp4netns's --disable-host-loopback keeps it:
//   `--no-map-gw` (by default pasta sends the container's connections to its gateway to the
//   host's 127.0.0.1), and `--tcp-ns none --udp-ns none` (by default it forwards every port
//   the host listens on to the container's own loopback).
// - `--tcp-ports` / `--udp-ports`: one `[ADDR/]HOST:CONTAINER` a published port, or `none`
//   (by default pasta publishes every port the container listens on, and forwards UDP ports
//   numbered as the TCP ones).
// - Readiness: pasta forks into the background once its set-up is done, writing the
//   background process's pid to `--pid`; the process the engine started exits 0 then, or
//   non-zero with the reason in `--log-file` (pasta.log beside the namespace file). The
//   background one is in a session of its own, and outlives the engine as the container
//   does; its pid and start time are recorded beside the namespace (helper-process.ts).
// - pasta also ends by itself when the namespace file is removed: the teardown's last step,
//   so even a pasta whose record was never written (an engine killed between its start and
//   the record) does not outlive the namespace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PortSpec } from '@shared/ports';
import { StrataError } from '@shared/errors';
import { type HelperProcess, helperOf, readHelperRecord, tailOf, writeHelperRecord } from './helper-process';
import { endOwner } from '../store/process-owner';

/** The container's side: slirp4netns's addresses, so a container sees the same network on either. */
export const PASTA_NETWORK = { interface: 'eth0', address: '10.0.2.100', gateway: '10.0.2.2', prefix: 24 } as const;

/** Where the record of a namespace's pasta is kept: beside the namespace file. */
export function pastaRecordFile(netnsFile: string): string {
  return path.join(path.dirname(netnsFile), 'pasta.json');
}

const pidFile = (netnsFile: string) => path.join(path.dirname(netnsFile), 'pasta.pid');
const logFile = (netnsFile: string) => path.join(path.dirname(netnsFile), 'pasta.log');

/** pasta's arguments for the namespace on `netnsFile` with `ports` published (their host ports chosen). */
export function pastaArgs(netnsFile: string, ports: readonly PortSpec[]): string[] {
  const forwards = (protocol: PortSpec['protocol']) => {
    const specs = ports.filter((port) => port.protocol === protocol).map((port) => `${port.hostIp}/${port.hostPort}:${port.containerPort}`);
    return (specs.length ? specs : ['none']).flatMap((spec) => [protocol === 'tcp' ? '--tcp-ports' : '--udp-ports', spec]);
  };
  return [
    '--config-net',
    '--ipv4-only',
    '--ns-ifname', PASTA_NETWORK.interface,
    '--address', PASTA_NETWORK.address,
    '--netmask', String(PASTA_NETWORK.prefix),
    '--gateway', PASTA_NETWORK.gateway,
    '--no-map-gw',
    '--tcp-ns', 'none',
    '--udp-ns', 'none',
    ...forwards('tcp'),
    ...forwards('udp'),
    '--log-file', logFile(netnsFile),
    '--pid', pidFile(netnsFile),
    '--netns', netnsFile,
  ];
}

/**
 * Starts pasta (`binary`, userModeProgram's) on the namespace bound on `netnsFile`, with
 * `ports` published, and waits until it is set up: the process started exits, 0 once the
 * background one runs. Rejects with INTERNAL and pasta's own words otherwise.
 */
export async function startPasta(binary: string, netnsFile: string, ports: readonly PortSpec[]): Promise<HelperProcess> {
  await fs.promises.rm(pidFile(netnsFile), { force: true });
  // Its own session: a signal to the engine's process group never reaches it mid-start.
  const child = spawn(binary, pastaArgs(netnsFile, ports), { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  // Before --log-file is open (an option this pasta does not know) it says why on stderr.
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
  const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (error) => reject(new StrataError('INTERNAL', `network: start pasta: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stderr!.destroy();
  if (status.code !== 0) {
    const said = tailOf(logFile(netnsFile), stderr.trim().split('\n').slice(-3).join('; ') || '(no output)');
    throw new StrataError('INTERNAL', `network: pasta exited (${status.signal ?? `code ${status.code}`}) before it was ready: ${said}`);
  }
  let pid: number;
  try {
    pid = Number((await fs.promises.readFile(pidFile(netnsFile), 'utf8')).trim());
  } catch (error) {
    throw new StrataError('INTERNAL', `network: pasta started but wrote no pid to ${pidFile(netnsFile)}`, { cause: error });
  }
  let started: HelperProcess;
  try {
    started = await helperOf(pid);
  } catch (error) {
    throw new StrataError('INTERNAL', `network: pasta (pid ${pid}) exited as soon as it was ready: ${tailOf(logFile(netnsFile))}`, { cause: error });
  }
  await writeHelperRecord(pastaRecordFile(netnsFile), started);
  return started;
}

/** Ends the namespace's pasta (if its record names a live one) and removes its record and pid file. Safe to repeat, and after a crash. */
export async function stopPasta(netnsFile: string): Promise<void> {
  const file = pastaRecordFile(netnsFile);
  const recorded = await readHelperRecord(file);
  if (recorded) await endOwner(recorded);
  await fs.promises.rm(pidFile(netnsFile), { force: true });
  await fs.promises.rm(file, { force: true });
}
