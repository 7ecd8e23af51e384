import type { ContainerRecord } from '@shared/api/types/containers';
import type { Command } from '../command';
import { UsageError } from '../command';
import { json } from '../output';
import { CONTAINER_FLAGS, CONTAINER_USAGE, containerOptions } from './container-flags';
import { streamLogs } from './logs';

export const runCommand: Command = {
  name: 'run',
  usage: `run [-d] [--rm] ${CONTAINER_USAGE} IMAGE [COMMAND [ARG...]]`,
  summary: 'Create a container from an image and start it (attached: its output, then its exit code)',
  options: { ...CONTAINER_FLAGS, detach: { type: 'boolean', short: 'd' }, rm: { type: 'boolean' } },
  positionalsAfterFirst: true,
  async run({ api, output, json: asJson }, { values, positionals }) {
    const [image, ...command] = positionals;
    if (!image) throw new UsageError(`usage: strata ${this.usage}`);
    const options = containerOptions(values, command);
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

/** Docker's exit codes when the program cannot run: 127 not found, 126 not executable. */
function execFailureCode(message: string): number | undefined {
  if (/exec [^:]*: (not found|No such file)/.test(message)) return 127;
  if (/exec [^:]*: (Permission denied|Exec format error)/.test(message)) return 126;
  return undefined;
}
