import type { ApiClient } from '@shared/api/client';
import type { ContainerOptions, ContainerRecord } from '@shared/api/types/containers';
import type { Command } from '../command';
import { UsageError } from '../command';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys';
import { type Output, json } from '../output';
import { checkInputIsTerminal, outcomeStatus, runTerminal } from '../terminal-client';
import { CONTAINER_FLAGS, CONTAINER_USAGE, containerOptions } from './container-flags';
import { streamLogs } from './logs';

export const runCommand: Command = {
  name: 'run',
  usage: `run [-d] [--rm] [-i] [-t] [--detach-keys KEYS] ${CONTAINER_USAGE} IMAGE [COMMAND [ARG...]]`,
  options: {
    ...CONTAINER_FLAGS,
    detach: { type: 'boolean', short: 'd' },
    rm: { type: 'boolean' },
    tty: { type: 'boolean', short: 't' },
    interactive: { type: 'boolean', short: 'i' },
    'detach-keys': { type: 'string' },
  },
  positionalsAfterFirst: true,
  async run({ api, output, json: asJson }, { values, positionals }) {
    const [image, ...command] = positionals;
    if (!image) throw new UsageError(`usage: strata ${this.usage}`);
    const warn = (message: string) => output.err(`strata run: warning: ${message}\n`);
    const options = { ...containerOptions(values, command, warn), ...(values.tty ? { tty: true } : {}), ...(values.interactive ? { interactive: true } : {}) };
    const detachKeys = parseDetachKeys((values['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
    // -t, or -i alone: attached through a terminal session of the API (a terminal, or stdio pipes)
    if (options.tty && !values.detach) checkInputIsTerminal(Boolean(options.interactive));
    if ((options.tty || options.interactive) && !values.detach) return runWithTerminal(api(), output, image, options, { rm: Boolean(values.rm), detachKeys });
    let created: ContainerRecord;
    try {
      // A start that fails removes the container, --rm or not: nothing is left of a run that never ran.
      created = await api().call('containers.run', { image, options });
    } catch (error) {
      const code = execFailureCode((error as Error).message);
      if (code === undefined) throw error;
      output.err(`strata run: ${(error as Error).message}\n`);
      return code;
    }
    if (values.detach) {
      output.out(asJson ? json({ id: created.id, name: created.name }) : `${created.id}\n`);
      return 0;
    }
    const exitCode = await streamLogs(api(), output, created.id, { follow: true, untilExit: true });
    if (values.rm) await api().call('containers.remove', { ref: created.id, force: true });
    return exitCode ?? 0;
  },
};

/**
 * `run -t` / `-it` / `-i`: create, then start attached to the container's terminal, or with
 * `-i` alone to its stdio (attached before its program runs, so nothing it prints is missed). A start that fails removes the container,
 * as an attached run's does; a detach leaves it running (and, with --rm, still there).
 */
async function runWithTerminal(api: ApiClient, output: Output, image: string, options: ContainerOptions, flags: { rm: boolean; detachKeys: Buffer }): Promise<number> {
  const created = await api.call('containers.create', { image, options });
  let outcome;
  try {
    outcome = await runTerminal(api, output, { ref: created.name, start: true, input: Boolean(options.interactive), terminal: options.tty === true, detachKeys: flags.detachKeys });
  } catch (error) {
    const status = await api.call('containers.inspect', { ref: created.id }).then((record) => record.state.status, () => undefined);
    if (status === 'created') await api.call('containers.remove', { ref: created.id, force: true }).catch(() => undefined);
    const code = execFailureCode((error as Error).message);
    if (code === undefined) throw error;
    output.err(`strata run: ${(error as Error).message}\n`);
    return code;
  }
  if (flags.rm && !('detached' in outcome)) await api.call('containers.remove', { ref: created.id, force: true });
  return outcomeStatus(outcome);
}

/** Docker's exit codes when the program cannot run: 127 not found, 126 not executable. */
function execFailureCode(message: string): number | undefined {
  if (/exec [^:]*: (not found|No such file)/.test(message)) return 127;
  if (/exec [^:]*: (Permission denied|Exec format error)/.test(message)) return 126;
  return undefined;
}
