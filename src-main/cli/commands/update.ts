import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';
import { CONTAINER_FLAGS, containerOptions } from './container-flags';

const UPDATE_FLAGS = ['memory', 'memory-swap', 'memory-reservation', 'cpus', 'cpu-shares', 'pids-limit', 'restart'] as const;

export const updateCommand: Command = {
  name: 'update',
  usage: 'update [-m MEM] [--memory-swap MEM] [--memory-reservation MEM] [--cpus N] [--cpu-shares N] [--pids-limit N] [--restart P] CONTAINER...',
  options: Object.fromEntries(UPDATE_FLAGS.map((flag) => [flag, CONTAINER_FLAGS![flag]!])),
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const { memory, memorySwap, memoryReservation, cpus, cpuShares, pidsLimit, restart } = containerOptions(values, []);
    const update = { memory, memorySwap, memoryReservation, cpus, cpuShares, pidsLimit, restart };
    if (Object.values(update).every((value) => value === undefined)) {
      throw new StrataError('INVALID_ARGUMENT', `nothing to update: give at least one of ${UPDATE_FLAGS.map((flag) => `--${flag}`).join(', ')}`);
    }
    for (const ref of positionals) {
      const container = await api().call('containers.update', { ref, update: Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) });
      output.out(asJson ? json(container) : `${ref}\n`);
    }
  },
};
