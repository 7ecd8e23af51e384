// Multi-stage structure: which FROM starts which stage, what each stage is built on, which
// earlier stages its `COPY --from` reads, and so which stages the requested target needs.
// A stage may only use stages defined above it, so the stage list is already in build order.
import { StrataError } from '@shared/errors';
import type { ArgInstruction, CopyInstruction, FromInstruction, Instruction, ParsedContainerfile } from './containerfile-parser';
import { ArgScope, BuildArgs, expandWord, platformArgs } from './variables';

export type StageBase = { kind: 'scratch' } | { kind: 'image'; ref: string } | { kind: 'stage'; index: number };

export interface Stage {
  index: number;
  /** Lower-cased `AS` name (Docker matches stage names case-insensitively). */
  name?: string;
  from: FromInstruction;
  base: StageBase;
  /** `--platform`, expanded; the caller decides whether it can honour it. */
  platform?: string;
  /** The stage's instructions after its FROM. */
  instructions: Instruction[];
  /** `COPY --from` of this stage, each resolved to the index of an earlier stage. */
  copyFrom: ReadonlyMap<CopyInstruction, number>;
  /** Earlier stages this one reads (its base, its COPY --from sources), ascending. */
  dependsOn: number[];
}

export interface StageGraph {
  /** ARG lines before the first FROM. */
  metaArgs: ArgInstruction[];
  /** Their values (and BuildKit's platform ARGs): what stage ARGs without a default inherit. */
  metaValues: ReadonlyMap<string, string | undefined>;
  stages: Stage[];
  /** Index of the stage whose result is the image: the last, or the one named by `target`. */
  target: number;
  /** Stages the target needs, itself included, ascending (= build order). */
  needed: number[];
}

export interface StageOptions {
  buildArgs?: BuildArgs;
  /** `--target NAME`: build up to this stage instead of the last. */
  target?: string;
  /** For the automatic TARGETARCH/BUILDARCH ARGs; defaults to this machine. */
  architecture?: string;
}

const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

export function resolveStages(file: ParsedContainerfile, options: StageOptions = {}): StageGraph {
  const buildArgs = options.buildArgs ?? new BuildArgs();
  const meta = new ArgScope(buildArgs);
  for (const [name, value] of Object.entries(platformArgs(options.architecture))) meta.predefine(name, value);
  const metaLookup = (name: string) => meta.get(name);
  const expandMeta = (word: string, line: number) => expandWord(word, metaLookup, { escape: file.escape, where: `line ${line}` });

  const metaArgs: ArgInstruction[] = [];
  let position = 0;
  for (; position < file.instructions.length; position++) {
    const instruction = file.instructions[position]!;
    if (instruction.keyword !== 'ARG') break;
    metaArgs.push(instruction);
    for (const arg of instruction.args) {
      meta.declare(arg.name, arg.defaultValue === undefined ? undefined : expandMeta(arg.defaultValue, instruction.line));
    }
  }

  // Split at every FROM.
  const groups: { from: FromInstruction; instructions: Instruction[] }[] = [];
  for (; position < file.instructions.length; position++) {
    const instruction = file.instructions[position]!;
    if (instruction.keyword === 'FROM') groups.push({ from: instruction, instructions: [] });
    else if (groups.length === 0) throw new StrataError('INVALID_ARGUMENT', `line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    else groups[groups.length - 1]!.instructions.push(instruction);
  }
  if (groups.length === 0) throw new StrataError('INVALID_ARGUMENT', 'the Containerfile has no FROM instruction');

  // Names first, so a reference to a later stage can say where that stage is.
  const byName = new Map<string, number>();
  groups.forEach((group, index) => {
    const raw = group.from.stageName;
    if (raw === undefined) return;
    const name = raw.toLowerCase();
    const line = group.from.line;
    if (!STAGE_NAME.test(name)) {
      throw new StrataError('INVALID_ARGUMENT', `line ${line}: invalid stage name ${JSON.stringify(raw)} (a letter, then letters, digits, ".", "_" or "-")`);
    }
    if (name === 'scratch') throw new StrataError('INVALID_ARGUMENT', `line ${line}: "scratch" is reserved and can not name a stage`);
    const earlier = byName.get(name);
    if (earlier !== undefined) {
      throw new StrataError('INVALID_ARGUMENT', `line ${line}: stage name ${JSON.stringify(name)} is already used by the stage at line ${groups[earlier]!.from.line}`);
    }
    byName.set(name, index);
  });

  const stages: Stage[] = groups.map((group, index) => {
    const { from } = group;
    const image = expandMeta(from.image, from.line);
    if (image === '') throw new StrataError('INVALID_ARGUMENT', `line ${from.line}: FROM ${from.image} expands to an empty image name (is the ARG set?)`);
    const named = byName.get(image.toLowerCase());
    // A FROM naming a stage defined further down means an image of that name, as in Docker.
    const base: StageBase =
      named !== undefined && named < index ? { kind: 'stage', index: named } : image === 'scratch' ? { kind: 'scratch' } : { kind: 'image', ref: image };

    const copyFrom = new Map<CopyInstruction, number>();
    for (const instruction of group.instructions) {
      if (instruction.keyword !== 'COPY' || instruction.from === undefined) continue;
      copyFrom.set(instruction, copySourceStage(instruction, expandMeta(instruction.from, instruction.line), index, byName, groups));
    }
    const dependsOn = new Set(copyFrom.values());
    if (base.kind === 'stage') dependsOn.add(base.index);
    const platform = from.platform === undefined ? undefined : expandMeta(from.platform, from.line);
    return {
      index,
      ...(from.stageName === undefined ? {} : { name: from.stageName.toLowerCase() }),
      from,
      base,
      ...(platform === undefined ? {} : { platform }),
      instructions: group.instructions,
      copyFrom,
      dependsOn: [...dependsOn].sort((a, b) => a - b),
    };
  });

  const target = targetIndex(options.target, byName, stages);
  return { metaArgs, metaValues: meta.values(), stages, target, needed: neededStages(stages, target) };
}

function copySourceStage(
  instruction: CopyInstruction,
  from: string,
  current: number,
  byName: ReadonlyMap<string, number>,
  groups: readonly { from: FromInstruction }[],
): number {
  const fail = (why: string) => new StrataError('INVALID_ARGUMENT', `line ${instruction.line}: COPY --from=${from}: ${why}`);
  let index: number | undefined;
  if (/^\d+$/.test(from)) {
    index = Number(from);
    if (index >= groups.length) throw fail(`there are only ${groups.length} stages (numbered from 0)`);
  } else {
    index = byName.get(from.toLowerCase());
    if (index === undefined) {
      throw fail('no stage has that name (to copy from an image, add "FROM image AS name" above and copy from that stage)');
    }
  }
  if (index === current) throw fail('a stage can not copy from itself');
  if (index > current) throw fail(`that stage is defined later, at line ${groups[index]!.from.line}; a stage can only copy from stages above it`);
  return index;
}

function targetIndex(target: string | undefined, byName: ReadonlyMap<string, number>, stages: readonly Stage[]): number {
  if (target === undefined) return stages.length - 1;
  const index = byName.get(target.toLowerCase());
  if (index === undefined) {
    const names = [...byName.keys()];
    throw new StrataError('INVALID_ARGUMENT', `--target ${target}: no stage has that name${names.length ? ` (stages: ${names.join(', ')})` : ' (no stage is named; use FROM image AS name)'}`);
  }
  return index;
}

/** The target and everything it reaches through bases and COPY --from. */
function neededStages(stages: readonly Stage[], target: number): number[] {
  const needed = new Set<number>();
  const visit = (index: number): void => {
    if (needed.has(index)) return;
    needed.add(index);
    for (const dependency of stages[index]!.dependsOn) visit(dependency);
  };
  visit(target);
  return [...needed].sort((a, b) => a - b);
}
