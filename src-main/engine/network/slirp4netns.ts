// The slirp4netns process of a container on the rootless engine's network: user-mode NAT
// between a tap device in the container's namespace and the host's sockets (no root on the
// host needed). It must outlive the engine — a container keeps running when the engine
// exits or crashes — so it is started detached, in a session of its own, and no exit fd
// ties it to the engine; its pid and start time are kept beside the namespace file
// (helper-process.ts), and whoever tears the network down ends it by them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { type HelperProcess, helperOf, readHelperRecord, tailOf, writeHelperRecord } from './helper-process';
import { endOwner } from '../store/process-owner';

/** slirp4netns's fixed addresses with its default --cidr 10.0.2.0/24 (--configure sets them in the namespace). */
export const SLIRP_NETWORK = { address: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3', prefix: 24 } as const;

/** As podman: the largest MTU slirp4netns takes, far faster than 1500 for bulk transfers. */
const MTU = 65520;

export interface SlirpProcess extends HelperProcess {
  apiSocket: string;
}

/** Where the record of a namespace's slirp4netns is kept: beside the namespace file. */
export function slirpRecordFile(netnsFile: string): string {
  return path.join(path.dirname(netnsFile), 'slirp4netns.json');
}

/**
 * Starts slirp4netns (`binary`, userModeProgram's) on the namespace bound on `netnsFile` and
 * waits until it has configured tap0 (its ready fd). Its output goes to `slirp4netns.log`
 * beside the file.
 */
export async function startSlirp(binary: string, netnsFile: string, apiSocket: string): Promise<SlirpProcess> {
  const dir = path.dirname(netnsFile);
  const log = await fs.promises.open(path.join(dir, 'slirp4netns.log'), 'a', 0o600);
  await fs.promises.rm(apiSocket, { force: true }); // one a killed slirp4netns left: it would refuse to bind
  const args = ['--configure', `--mtu=${MTU}`, '--disable-host-loopback', `--api-socket=${apiSocket}`, '--ready-fd=3', '--netns-type=path', netnsFile, 'tap0'];
  let child;
  try {
    child = spawn(binary, args, { detached: true, stdio: ['ignore', log.fd, log.fd, 'pipe'] });
  } finally {
    await log.close();
  }
  // Kept for the child's life: an 'error' without a listener would end the engine.
  let failure: Error | undefined;
  child.on('error', (error) => (failure = error));
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new StrataError('INTERNAL', `network: start slirp4netns: ${error.message}`, { cause: error })));
      child.once('exit', (code, signal) => reject(new StrataError('INTERNAL', `network: slirp4netns exited (${signal ?? `code ${code}`}) before it was ready: ${tailOf(path.join(dir, 'slirp4netns.log'))}`)));
      if (failure) reject(failure);
      child.stdio[3]?.once('data', () => resolve());
    });
    const started: SlirpProcess = { ...(await helperOf(child.pid!)), apiSocket };
    await writeHelperRecord(slirpRecordFile(netnsFile), started);
    return started;
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    child.stdio[3]?.destroy();
    child.removeAllListeners('exit');
    child.unref(); // the engine may exit while it runs
  }
}

/**
 * Ends the namespace's slirp4netns (if its record names a live one) and removes its record
 * and API socket. Safe to repeat, and after a crash.
 */
export async function stopSlirp(netnsFile: string): Promise<void> {
  const file = slirpRecordFile(netnsFile);
  const recorded = await readHelperRecord<SlirpProcess>(file);
  if (recorded) {
    await endOwner(recorded);
    await fs.promises.rm(recorded.apiSocket, { force: true });
  }
  await fs.promises.rm(file, { force: true });
}
