// containers.*: lifecycle, listing and logs read at once.
import { randomUUID } from 'node:crypto';
import { StrataError } from '@shared/errors';
import { parseContainerFilters } from '../../engine/containers/container-filters';
import type { ContainerOptions } from '../../engine/containers/options';
import { parseInput } from '../invalid-input';
import type { LogLine } from '@shared/api/types/containers';
import type { Handlers } from './types';

export const containerHandlers = {
  'containers.list': ({ all, filters }, { engine }) => engine.listContainers({ all, filters: parseContainerFilters(filters ?? []) }),

  'containers.inspect': ({ ref }, { engine }) => engine.inspectContainer(ref),

  'containers.create': async ({ image, options }, { engine }) => engine.createContainer(image, await checkOptions(options)),

  'containers.run': async ({ image, options }, { engine }) => engine.runContainer(image, await checkOptions(options)),

  'containers.start': ({ ref }, { engine }) => engine.startContainer(ref),
  'containers.stop': ({ ref, timeoutS }, { engine }) => engine.stopContainer(ref, { timeoutS }),
  'containers.restart': ({ ref, timeoutS }, { engine }) => engine.restartContainer(ref, { timeoutS }),
  'containers.pause': ({ ref }, { engine }) => engine.pauseContainer(ref),
  'containers.unpause': ({ ref }, { engine }) => engine.unpauseContainer(ref),
  'containers.kill': ({ ref, signal }, { engine }) => engine.killContainer(ref, signal),
  'containers.remove': async ({ ref, force }, { engine }) => ({ id: await engine.removeContainer(ref, { force }) }),
  // Ends with the client: a wait nobody will read must not hold an inotify watch for ever.
  'containers.wait': async ({ ref }, { engine, session }) => {
    const wait = randomUUID();
    const controller = new AbortController();
    session.own(wait, () => controller.abort());
    try {
      const exitCode = await engine.waitContainer(ref, { signal: controller.signal });
      if (controller.signal.aborted) throw new StrataError('CANCELLED', `the wait for ${ref} ended with its connection`);
      return { exitCode: exitCode ?? null };
    } finally {
      session.release(wait);
    }
  },

  'containers.exec': ({ ref, command, env, workdir, user, detach }, { engine }) => engine.execContainer(ref, { command, env, workdir, user, detach }, 'pipe'),
  'containers.diff': ({ ref }, { engine }) => engine.diffContainer(ref),
  'containers.runtimeConfig': ({ ref }, { engine }) => engine.runtimeConfig(ref),
  'containers.update': async ({ ref, update }, { engine, stats }) => {
    const updated = await engine.updateContainer(ref, update);
    await stats.limitsChanged(updated.id); // its samples show the new limits from here on, not ten ticks later
    return updated;
  },
  // One step under the store lock: a cancel counts only before it starts.
  'containers.commit': async ({ ref, tag, message, author, changes, pause }, { engine }, job) => {
    job.signal.throwIfAborted();
    job.progress({ step: 'committing', message: `writing the layer of ${ref}` });
    return engine.commitContainer(ref, { tag, message, author, changes, pause, signal: job.signal });
  },

  'containers.logs': async ({ ref, tail, since, until, streams }, { engine }) => {
    const { parseSince, readLogs } = await import('../../engine/logs/index');
    const container = await engine.inspectContainer(ref);
    const query = { tail, streams, since: since === undefined ? undefined : parseSince(since), until: until === undefined ? undefined : parseSince(until) };
    const lines: LogLine[] = [];
    for await (const line of readLogs(engine.containerLogPath(container.id), query)) lines.push(line);
    return lines;
  },
} satisfies Partial<Handlers>;

/**
 * The engine's own schema for options that did not come through the CLI's parsers; loaded
 * by the first create (the schema and the seccomp profiles it checks against), not by a list.
 */
async function checkOptions(options: ContainerOptions | undefined): Promise<ContainerOptions> {
  const { containerOptionsSchema } = await import('../../engine/containers/options');
  return parseInput(containerOptionsSchema(), options ?? {}, 'options');
}
