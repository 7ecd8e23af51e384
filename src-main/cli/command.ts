// One CLI command: its name, what it does, its options (node:util parseArgs), and its run.
import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from '@shared/api/client';
import type { Engine } from '../engine/index';
import type { Output } from './output';

export interface CommandContext {
  /** The engine's API over the chosen connection (opened at the first call): what every command uses. */
  api: () => ApiClient;
  /** `serve` only: the engine of the local connection, in this process. */
  engine: () => Promise<Engine>;
  output: Output;
  json: boolean;
}

export interface Command {
  name: string;
  usage: string; // e.g. 'tag SOURCE TARGET'
  options?: ParseArgsConfig['options'];
  /** Options end at the first positional (`run IMAGE sh -c …`), as docker's do. */
  positionalsAfterFirst?: boolean;
  /** Only reads: root's command goes to a running system engine that serves its store (cli/connect.ts). */
  readsOnly?: boolean;
  run(context: CommandContext, args: { values: Record<string, unknown>; positionals: string[] }): Promise<number | void> | number | void;
}

/** Usage errors exit 2 with the command's usage line, as getopt-style tools do. */
export class UsageError extends Error {}

export function expectPositionals(positionals: string[], min: number, max: number, usage: string): void {
  if (positionals.length < min || positionals.length > max) throw new UsageError(`usage: strata ${usage}`);
}

/** Puts `--` before the first positional, so what follows it is never read as options. */
export function endOptionsAtFirstPositional(args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const takesValue = (token: string): boolean => {
    if (token.startsWith('--')) return !token.includes('=') && options[token.slice(2)]?.type === 'string';
    const short = Object.values(options).find((option) => option.short === token.slice(1, 2));
    return token.length === 2 && short?.type === 'string';
  };
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') return args;
    if (!token.startsWith('-') || token === '-') return [...args.slice(0, i), '--', ...args.slice(i)];
    if (takesValue(token)) i++;
  }
  return args;
}
