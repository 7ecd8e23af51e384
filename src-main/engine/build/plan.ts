// Parsed Containerfile + build-args → a build plan: for every stage the target needs, the
// steps to carry out in order, each with everything its execution, its cache key and its
// history entry need. Pure: no files are read and nothing runs; base-image configs come
// from the caller, who has the store.
//
// History text (`created_by`) follows BuildKit, which is what `docker history` shows for
// images built today: the instruction as written, after `$VAR` expansion, with no legacy
// `/bin/sh -c #(nop)` prefix — `ENV A=b`, `WORKDIR /app`, `COPY --chown=1:1 src /app/`,
// `CMD ["/bin/sh","-c","serve"]`, and for RUN the command plus, when ARGs are in scope,
// BuildKit's `|N K=V …` prefix (`RUN |1 V=2 /bin/sh -c make`), since those values are part of
// what the step ran with. It reads well in the layer tree and is short.
import os from 'node:os';
import path from 'node:path';
import { StrataError, isStrataError } from '@shared/errors';
import { DEFAULT_PATH, applyChanges } from '../images/changes';
import { hostArchitecture, type RunConfig } from '../images/oci';
import {
  parseContainerfile,
  type CommandForm,
  type CopyInstruction,
  type Instruction,
  type Keyword,
  type ParsedContainerfile,
} from './containerfile-parser';
import { resolveStages, type Stage, type StageBase } from './stages';
import { ArgScope, BuildArgs, PROXY_ARGS, envMap, expandWord, stageLookup } from './variables';

export interface PlanOptions {
  /** `--build-arg` values (see parseBuildArgs). Only ARGs a Containerfile declares take effect. */
  buildArgs?: Readonly<Record<string, string>>;
  /** `--target`: stop at this stage. */
  target?: string;
  /** For TARGETARCH and friends; defaults to this machine. */
  architecture?: string;
  /**
   * The run config of a base image, by the reference its FROM line names (expanded). Return
   * undefined for an image the store lacks. Without this callback every image base starts
   * from an empty config (enough for tests that do not depend on the base's ENV).
   */
  baseConfig?: (ref: string) => RunConfig | null | undefined;
}

export interface BuildPlan {
  /** Stages the target needs, in build order (each only uses stages before it). */
  stages: PlannedStage[];
  /** Containerfile index of the stage that becomes the image. */
  target: number;
  /** Deprecated syntax, unconsumed build-args, an ignored --platform: shown, not fatal. */
  warnings: string[];
  /** Things set aside on purpose (`# syntax=`). */
  notes: string[];
}

export interface PlannedStage {
  /** Position among all FROM lines (what `COPY --from=<n>` counts). */
  index: number;
  name?: string;
  line: number;
  base: StageBase;
  platform?: string;
  /** The config the stage starts from: the base image's, the base stage's final one, or scratch's. */
  baseConfig: RunConfig;
  steps: BuildStep[];
  /** The config once every step has applied: what the stage's image records. */
  config: RunConfig;
}

export type StepKind = 'run' | 'copy' | 'add' | 'config';

interface StepCommon {
  line: number;
  keyword: Exclude<Keyword, 'FROM'>;
  /** The image history's `created_by` (BuildKit style, see above). */
  createdBy: string;
  /** History `empty_layer`: true for steps that only change the config. */
  emptyLayer: boolean;
  /** Canonical, unambiguous text of the step after expansion: the cache key's instruction part. */
  cacheText: string;
  /** ARG values the step depends on beyond its text (RUN: all ARGs in scope): for the cache key. */
  cacheArgs: [string, string][];
}

export interface RunStep extends StepCommon {
  kind: 'run';
  /** What to execute: exec form as written, shell form as `/bin/sh -c <script>`. */
  argv: string[];
  /** The process environment: the image's Env, then ARGs in scope ENV does not override, then proxy build-args. */
  env: string[];
  /** USER in effect, if any (names resolve against the container's /etc/passwd). */
  user?: string;
  /** WORKDIR in effect ('/' if none); created if missing, as Docker does. */
  workdir: string;
}

export interface CopyStep extends StepCommon {
  kind: 'copy' | 'add';
  /** Source patterns after expansion, relative to the context (or the `from` stage's root). */
  sources: string[];
  /** Absolute destination, resolved against WORKDIR, without a trailing slash (except `/`). */
  dest: string;
  /** Sources go *into* dest (it ended in `/` or `.`, or there are several sources). */
  destIsDir: boolean;
  /** COPY --from: index of the stage whose result is the source root; absent = build context. */
  from?: number;
  /** `--chown=user[:group]`, expanded; default is 0:0, as in Docker. */
  chown?: string;
  /** `--chmod=0755`, as a number. */
  chmod?: number;
}

export interface ConfigStep extends StepCommon {
  kind: 'config';
  /** The change in `--change` syntax (applyChanges); empty for ARG. */
  changes: string[];
  /** ENTRYPOINT without an earlier CMD in the stage clears the inherited CMD (Docker's rule). */
  resetCmd: boolean;
}

export type BuildStep = RunStep | CopyStep | ConfigStep;

/** Applies a config step to a run config (the image config's `config`), returning a new one. */
export function applyConfigStep(config: RunConfig, step: ConfigStep): RunConfig {
  let next: RunConfig = structuredClone(config);
  if (step.changes.length > 0) {
    try {
      next = applyChanges(next, step.changes);
    } catch (error) {
      if (!isStrataError(error)) throw error;
      // applyChanges speaks of `--change "…"`; here the user wrote a Containerfile line.
      const why = /^--change "(?:[^"\\]|\\.)*": ([\s\S]*)$/.exec(error.message)?.[1] ?? error.message;
      throw new StrataError(error.code, `line ${step.line}: ${step.keyword}: ${why}`);
    }
  }
  if (step.resetCmd) delete next.Cmd;
  return next;
}

export function planBuild(containerfile: string | ParsedContainerfile, options: PlanOptions = {}): BuildPlan {
  const file = typeof containerfile === 'string' ? parseContainerfile(containerfile) : containerfile;
  const buildArgs = new BuildArgs(options.buildArgs);
  const graph = resolveStages(file, { buildArgs, ...optionalTarget(options.target), ...optionalArch(options.architecture) });
  const warnings = [...file.warnings];
  const finals = new Map<number, RunConfig>();
  const stages: PlannedStage[] = [];
  const stageNames = new Map(graph.stages.flatMap((stage) => (stage.name === undefined ? [] : [[stage.index, stage.name] as const])));
  const hostPlatform = `linux/${options.architecture ?? hostArchitecture()}`;

  for (const index of graph.needed) {
    const stage = graph.stages[index]!;
    const baseConfig = stageBaseConfig(stage, finals, options);
    if (stage.platform !== undefined && stage.platform !== hostPlatform) {
      warnings.push(`line ${stage.from.line}: --platform=${stage.platform} ignored; strata builds for ${hostPlatform}`);
    }
    const planner = new StagePlanner(file, stage, buildArgs, new ArgScope(buildArgs, graph.metaValues), baseConfig, stageNames);
    for (const instruction of stage.instructions) planner.add(instruction);
    finals.set(index, planner.config);
    stages.push({
      index,
      ...(stage.name === undefined ? {} : { name: stage.name }),
      line: stage.from.line,
      base: stage.base,
      ...(stage.platform === undefined ? {} : { platform: stage.platform }),
      baseConfig,
      steps: planner.steps,
      config: planner.config,
    });
  }
  const unconsumed = buildArgs.unconsumedWarning();
  if (unconsumed) warnings.push(unconsumed);
  return { stages, target: graph.target, warnings, notes: [...file.notes] };
}

function optionalTarget(target: string | undefined): { target?: string } {
  return target === undefined ? {} : { target };
}

function optionalArch(architecture: string | undefined): { architecture?: string } {
  return architecture === undefined ? {} : { architecture };
}

function stageBaseConfig(stage: Stage, finals: ReadonlyMap<number, RunConfig>, options: PlanOptions): RunConfig {
  switch (stage.base.kind) {
    case 'scratch':
      // BuildKit gives a scratch stage the default PATH, so RUN in it (after COPYing a
      // static shell in) finds programs the usual way.
      return { Env: [DEFAULT_PATH] };
    case 'stage':
      return structuredClone(finals.get(stage.base.index)!);
    case 'image': {
      if (!options.baseConfig) return {};
      const config = options.baseConfig(stage.base.ref);
      if (config === undefined) {
        throw new StrataError('NOT_FOUND', `line ${stage.from.line}: FROM ${stage.base.ref}: no such image in the store (pull or import it first)`);
      }
      return structuredClone(config ?? {});
    }
  }
}

class StagePlanner {
  readonly steps: BuildStep[] = [];
  config: RunConfig;
  private cmdSet = false;

  constructor(
    private readonly file: ParsedContainerfile,
    private readonly stage: Stage,
    private readonly buildArgs: BuildArgs,
    private readonly args: ArgScope,
    baseConfig: RunConfig,
    private readonly stageNames: ReadonlyMap<number, string>,
  ) {
    this.config = structuredClone(baseConfig);
  }

  add(instruction: Instruction): void {
    const step = this.plan(instruction);
    if (step.kind === 'config') this.config = applyConfigStep(this.config, step);
    this.steps.push(step);
  }

  private plan(instruction: Instruction): BuildStep {
    const { line } = instruction;
    switch (instruction.keyword) {
      case 'FROM':
        throw new StrataError('INTERNAL', `line ${line}: FROM inside a stage`); // stages.ts splits at FROM
      case 'RUN':
        return this.run(instruction.command, line);
      case 'COPY':
      case 'ADD':
        return this.copy(instruction);
      case 'CMD':
      case 'ENTRYPOINT': {
        const argv = argvOf(instruction.command);
        const resetCmd = instruction.keyword === 'ENTRYPOINT' && !this.cmdSet;
        if (instruction.keyword === 'CMD') this.cmdSet = true;
        return this.configStep(instruction.keyword, line, [`${instruction.keyword} ${JSON.stringify(argv)}`], [argv], resetCmd);
      }
      case 'ENV':
      case 'LABEL': {
        // Every pair is expanded against the state before the line: `ENV A=2 B=$A` gives B the old A.
        const pairs = instruction.pairs.map(({ key, value }) => {
          const name = this.expand(key, line);
          if (!/^[^\s=]+$/.test(name)) throw this.fail(line, `${instruction.keyword}: invalid name ${JSON.stringify(name)}`);
          return [name, this.expand(value, line)] as const;
        });
        const change = `${instruction.keyword} ${pairs.map(([key, value]) => `${key}=${quoteValue(value)}`).join(' ')}`;
        const shown = `${instruction.keyword} ${pairs.map(([key, value]) => `${key}=${value}`).join(' ')}`;
        return this.configStep(instruction.keyword, line, [change], pairs, false, shown);
      }
      case 'ARG': {
        const declared = instruction.args.map((arg) => [arg.name, arg.defaultValue === undefined ? undefined : this.expand(arg.defaultValue, line)] as const);
        for (const [name, value] of declared) this.args.declare(name, value);
        // History shows the declaration, not build-arg values: those show where they are used.
        const shown = `ARG ${declared.map(([name, value]) => (value === undefined ? name : `${name}=${value}`)).join(' ')}`;
        return this.configStep('ARG', line, [], declared, false, shown);
      }
      case 'WORKDIR': {
        const value = this.expand(instruction.value, line);
        if (value === '') throw this.fail(line, 'WORKDIR is empty after expansion');
        const workdir = path.posix.resolve(this.config.WorkingDir || '/', value);
        return this.configStep('WORKDIR', line, [`WORKDIR ${workdir}`], workdir);
      }
      case 'USER': {
        const user = this.expand(instruction.value, line);
        if (user === '') throw this.fail(line, 'USER is empty after expansion');
        return this.configStep('USER', line, [`USER ${user}`], user);
      }
      case 'STOPSIGNAL': {
        const raw = this.expand(instruction.value, line);
        // Docker accepts `TERM`, `sigterm` and `SIGTERM` alike; the image records `SIGTERM`.
        const signal = /^\d+$/.test(raw) ? raw : `SIG${raw.toUpperCase().replace(/^SIG/, '')}`;
        if (!/^\d+$/.test(signal) && !(signal in os.constants.signals) && !/^SIGRTM(IN|AX)([+-]\d+)?$/.test(signal)) {
          throw this.fail(line, `STOPSIGNAL: unknown signal ${JSON.stringify(raw)}`);
        }
        return this.configStep('STOPSIGNAL', line, [`STOPSIGNAL ${signal}`], signal);
      }
      case 'EXPOSE': {
        const ports = instruction.items.flatMap((item) => this.expand(item, line).split(/\s+/).filter(Boolean)).flatMap((spec) => this.ports(spec, line));
        if (ports.length === 0) throw this.fail(line, 'EXPOSE is empty after expansion');
        return this.configStep('EXPOSE', line, [`EXPOSE ${ports.join(' ')}`], ports);
      }
      case 'VOLUME': {
        const volumes = instruction.items.map((item) => this.expand(item, line, !instruction.json));
        if (volumes.some((volume) => volume.trim() === '')) throw this.fail(line, 'VOLUME paths can not be empty');
        return this.configStep('VOLUME', line, [`VOLUME ${JSON.stringify(volumes)}`], volumes);
      }
    }
  }

  private run(command: CommandForm, line: number): RunStep {
    const argv = argvOf(command);
    if (argv.length === 0) throw this.fail(line, 'RUN needs a command');
    const env = envMap(this.config.Env);
    // ARGs in scope reach RUN as environment unless ENV set the same name (ENV wins).
    const inScope = this.args.entries().filter(([name]) => !PROXY_ARGS.has(name));
    const shownArgs: [string, string][] = inScope.map(([name, value]) => [name, env.get(name) ?? value]);
    const processEnv = [...(this.config.Env ?? [])];
    for (const [name, value] of this.args.entries()) if (!env.has(name)) processEnv.push(`${name}=${value}`);
    const present = envMap(processEnv);
    for (const entry of this.buildArgs.proxyEnv()) if (!present.has(entry.slice(0, entry.indexOf('=')))) processEnv.push(entry);
    if (!envMap(processEnv).has('PATH')) processEnv.push(DEFAULT_PATH);
    const prefix = shownArgs.length ? `|${shownArgs.length} ${shownArgs.map(([name, value]) => `${name}=${value}`).join(' ')} ` : '';
    return {
      kind: 'run',
      line,
      keyword: 'RUN',
      createdBy: `RUN ${prefix}${argv.join(' ')}`,
      emptyLayer: false,
      cacheText: JSON.stringify(['RUN', argv]),
      cacheArgs: shownArgs,
      argv,
      env: processEnv,
      ...(this.config.User ? { user: this.config.User } : {}),
      workdir: this.config.WorkingDir || '/',
    };
  }

  private copy(instruction: CopyInstruction): CopyStep {
    const { line, keyword } = instruction;
    const quotes = !instruction.json;
    const sources = instruction.sources.map((source) => this.expand(source, line, quotes));
    const rawDest = this.expand(instruction.dest, line, quotes);
    if (sources.some((source) => source === '')) throw this.fail(line, `${keyword}: a source is empty after expansion`);
    if (rawDest === '') throw this.fail(line, `${keyword}: the destination is empty after expansion`);
    if (keyword === 'ADD') {
      const remote = sources.find((source) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source));
      if (remote) throw this.fail(line, `ADD ${remote}: adding from a URL is not supported by strata build yet; download it into the build context first`, 'UNSUPPORTED');
    }
    const intoDir = rawDest.endsWith('/') || rawDest === '.' || rawDest.endsWith('/.');
    if (sources.length > 1 && !intoDir) {
      throw this.fail(line, `${keyword} with several sources needs a directory destination ending in "/" (got ${rawDest})`);
    }
    const dest = path.posix.resolve(this.config.WorkingDir || '/', rawDest);

    const flags: string[] = [];
    let from: number | undefined;
    if (instruction.from !== undefined) {
      from = this.stage.copyFrom.get(instruction)!;
      // Named as stages.ts resolved it (global ARGs only), not re-expanded in this stage's scope.
      flags.push(`--from=${this.stageNames.get(from) ?? from}`);
    }
    let chown: string | undefined;
    if (instruction.chown !== undefined) {
      chown = this.expand(instruction.chown, line);
      if (!/^[^\s:]+(:[^\s:]+)?$/.test(chown)) throw this.fail(line, `${keyword} --chown=${chown}: expected user[:group]`);
      flags.push(`--chown=${chown}`);
    }
    let chmod: number | undefined;
    if (instruction.chmod !== undefined) {
      const text = this.expand(instruction.chmod, line);
      if (!/^[0-7]{3,4}$/.test(text)) throw this.fail(line, `${keyword} --chmod=${text}: expected an octal mode such as 755 or 0644`);
      chmod = parseInt(text, 8);
      flags.push(`--chmod=${text}`);
    }
    return {
      kind: keyword === 'COPY' ? 'copy' : 'add',
      line,
      keyword,
      createdBy: [keyword, ...flags, ...sources, rawDest].join(' '),
      emptyLayer: false,
      cacheText: JSON.stringify([keyword, { sources, dest, destIsDir: intoDir || sources.length > 1, from: from ?? null, chown: chown ?? null, chmod: chmod ?? null }]),
      cacheArgs: [],
      sources,
      dest,
      destIsDir: intoDir || sources.length > 1,
      ...(from === undefined ? {} : { from }),
      ...(chown === undefined ? {} : { chown }),
      ...(chmod === undefined ? {} : { chmod }),
    };
  }

  private configStep(
    keyword: ConfigStep['keyword'],
    line: number,
    changes: string[],
    canonical: unknown,
    resetCmd = false,
    shown = changes[0] ?? keyword,
  ): ConfigStep {
    return { kind: 'config', line, keyword, createdBy: shown, emptyLayer: true, cacheText: JSON.stringify([keyword, canonical, resetCmd]), cacheArgs: [], changes, resetCmd };
  }

  /** `80`, `53/udp`, `8000-8002/tcp` → `80/tcp`, `53/udp`, `8000/tcp 8001/tcp 8002/tcp`. */
  private ports(spec: string, line: number): string[] {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/([A-Za-z]+))?$/.exec(spec);
    if (!match) throw this.fail(line, `EXPOSE: bad port ${JSON.stringify(spec)} (expected PORT[/PROTO] or FIRST-LAST[/PROTO])`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const protocol = (match[3] ?? 'tcp').toLowerCase();
    if (last < first || last > 65535) throw this.fail(line, `EXPOSE: bad port range ${spec}`);
    const out: string[] = [];
    for (let port = first; port <= last; port++) out.push(`${port}/${protocol}`);
    return out;
  }

  private expand(word: string, line: number, quotes = true): string {
    return expandWord(word, stageLookup(this.config.Env, this.args), { escape: this.file.escape, quotes, where: `line ${line}` });
  }

  private fail(line: number, message: string, code: 'INVALID_ARGUMENT' | 'UNSUPPORTED' = 'INVALID_ARGUMENT'): StrataError {
    return new StrataError(code, `line ${line}: ${message}`);
  }
}

function argvOf(command: CommandForm): string[] {
  return command.form === 'exec' ? [...command.args] : ['/bin/sh', '-c', command.script];
}

/** A value in the `"…"` form applyChanges reads back (it unescapes `\\` and `\"`). */
function quoteValue(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
