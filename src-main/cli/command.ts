// One CLI command: its name, what it does, its options (node:util parseArgs), and its run.
import type { ParseArgsConfig } from 'node:util';
import type { Engine } from '../engine/index';
import type { Output } from './output';

export interface CommandContext {
  engine: () => Engine;
  output: Output;
  json: boolean;
}

export interface Command {
  name: string;
  usage: string; // e.g. 'tag SOURCE TARGET'
  summary: string;
  options?: ParseArgsConfig['options'];
  run(context: CommandContext, args: { values: Record<string, unknown>; positionals: string[] }): Promise<number | void> | number | void;
}

/** Usage errors exit 2 with the command's usage line, as getopt-style tools do. */
export class UsageError extends Error {}

export function expectPositionals(positionals: string[], min: number, max: number, usage: string): void {
  if (positionals.length < min || positionals.length > max) throw new UsageError(`usage: strata ${usage}`);
}
