// start, stop, restart, pause, unpause, kill, rm, wait: one action on each named container,
// docker-style output.
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys';
import { json } from '../output';
import { checkInputIsTerminal, hasTerminal, outcomeStatus, runTerminal } from '../terminal-client';

export const startCommand: Command = {
  name: 'start',
  usage: 'start [-a [-i] [--detach-keys KEYS]] CONTAINER...',
  options: { attach: { type: 'boolean', short: 'a' }, interactive: { type: 'boolean', short: 'i' }, 'detach-keys': { type: 'string' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, values.attach ? 1 : Infinity, this.usage);
    if (values.attach) {
      // attached before its program runs, as docker's start -a
      const input = Boolean(values.interactive);
      const terminal = await hasTerminal(api(), positionals[0]!);
      checkInputIsTerminal(input, terminal);
      const detachKeys = parseDetachKeys((values['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
      return outcomeStatus(await runTerminal(api(), output, { ref: positionals[0]!, start: true, input, terminal, detachKeys }));
    }
    for (const ref of positionals) {
      const container = await api().call('containers.start', { ref });
      output.out(asJson ? json(container) : `${ref}\n`);
    }
  },
};

export const stopCommand: Command = {
  name: 'stop',
  usage: 'stop [-t SECONDS] CONTAINER...',
  options: { time: { type: 'string', short: 't' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const timeoutS = stopTimeout(values.time);
    for (const ref of positionals) {
      const container = await api().call('containers.stop', { ref, timeoutS });
      output.out(asJson ? json(container) : `${ref}\n`);
    }
  },
};

export const killCommand: Command = {
  name: 'kill',
  usage: 'kill [-s SIGNAL] CONTAINER...',
  options: { signal: { type: 'string', short: 's' } },
  async run({ api, output }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    for (const ref of positionals) {
      await api().call('containers.kill', { ref, signal: (values.signal as string | undefined) ?? 'SIGKILL' });
      output.out(`${ref}\n`);
    }
  },
};

export const rmCommand: Command = {
  name: 'rm',
  usage: 'rm [-f] CONTAINER...',
  options: { force: { type: 'boolean', short: 'f' } },
  async run({ api, output }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    for (const ref of positionals) {
      await api().call('containers.remove', { ref, force: Boolean(values.force) });
      output.out(`${ref}\n`);
    }
  },
};

export const waitCommand: Command = {
  name: 'wait',
  usage: 'wait CONTAINER...',
  async run({ api, output }, { positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    for (const ref of positionals) output.out(`${(await api().call('containers.wait', { ref })).exitCode ?? ''}\n`);
  },
};

export const restartCommand: Command = {
  name: 'restart',
  usage: 'restart [-t SECONDS] CONTAINER...',
  options: { time: { type: 'string', short: 't' } },
  async run({ api, output }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const timeoutS = stopTimeout(values.time);
    for (const ref of positionals) {
      await api().call('containers.restart', { ref, timeoutS });
      output.out(`${ref}\n`);
    }
  },
};

export const pauseCommand: Command = {
  name: 'pause',
  usage: 'pause CONTAINER...',
  async run({ api, output }, { positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    for (const ref of positionals) {
      await api().call('containers.pause', { ref });
      output.out(`${ref}\n`);
    }
  },
};

export const unpauseCommand: Command = {
  name: 'unpause',
  usage: 'unpause CONTAINER...',
  async run({ api, output }, { positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    for (const ref of positionals) {
      await api().call('containers.unpause', { ref });
      output.out(`${ref}\n`);
    }
  },
};

/** `-t/--time`: seconds to wait after the stop signal before SIGKILL. */
function stopTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(seconds >= 0)) throw new StrataError('INVALID_ARGUMENT', `--time takes seconds, not ${JSON.stringify(value)}`);
  return seconds;
}
