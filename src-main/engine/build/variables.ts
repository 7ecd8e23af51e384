// Build-time variables: the `$VAR` expansion Docker applies to a Containerfile's words, and
// the ARG/ENV scoping that decides what each name means at each line.
//
// Expansion applies to FROM, ADD, COPY, ENV, ARG, LABEL, EXPOSE, USER, VOLUME, WORKDIR,
// STOPSIGNAL and the flags of COPY/ADD; never to RUN, CMD or ENTRYPOINT, whose text belongs
// to the shell inside the container (plan.ts decides which words go through here).
import { BUILD_ARG_NAME, buildArgNameProblem } from '@shared/build-input';
import { StrataError } from '@shared/errors';
import { hostArchitecture } from '../images/oci';
import type { EscapeChar } from './containerfile-lexer';

/** `undefined` means unset, which `${X-d}` and `${X:-d}` tell apart from empty. */
export type Lookup = (name: string) => string | undefined;

export interface ExpandOptions {
  escape?: EscapeChar;
  /**
   * Remove quotes as the shell would ('…' literal, "…" expanding). Off for the elements of
   * a JSON array, whose quoting JSON has already done.
   */
  quotes?: boolean;
  /** Prefix for error messages, e.g. `line 4`. */
  where?: string;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Expands one word: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`, `${VAR?message}`; the escape character
 * makes the next character literal (`\$HOME` stays `$HOME`). Unset names expand to ''.
 * Whitespace is kept: a word here is what Docker's ProcessWord takes, e.g. a whole ENV value.
 */
export function expandWord(word: string, lookup: Lookup, options: ExpandOptions = {}): string {
  return new WordScanner(word, lookup, options.escape ?? '\\', options.quotes ?? true, options.where).until(undefined);
}

class WordScanner {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly lookup: Lookup,
    private readonly escape: EscapeChar,
    private readonly quotes: boolean,
    private readonly where: string | undefined,
  ) {}

  /** Reads up to `stop` (unescaped, outside quotes) or the end; consumes the stop character. */
  until(stop: '}' | undefined): string {
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === stop) {
        this.pos++;
        return out;
      }
      if (ch === this.escape) {
        out += this.escaped();
      } else if (this.quotes && ch === "'") {
        out += this.singleQuoted();
      } else if (this.quotes && ch === '"') {
        out += this.doubleQuoted();
      } else if (ch === '$') {
        out += this.variable();
      } else {
        out += ch;
        this.pos++;
      }
    }
    if (stop !== undefined) throw this.error(`missing '}' in ${JSON.stringify(this.text)}`);
    return out;
  }

  private escaped(): string {
    const next = this.text[this.pos + 1];
    if (next === undefined) {
      // A trailing escape has nothing to escape; keep it rather than lose a character.
      this.pos++;
      return this.escape;
    }
    // Without quote processing (JSON form) only `$` needs escaping; other backslashes are
    // path or regex characters the author meant literally.
    if (!this.quotes && next !== '$') {
      this.pos++;
      return this.escape;
    }
    this.pos += 2;
    return next;
  }

  private singleQuoted(): string {
    const close = this.text.indexOf("'", this.pos + 1);
    if (close < 0) throw this.error(`unterminated single quote in ${JSON.stringify(this.text)}`);
    const literal = this.text.slice(this.pos + 1, close);
    this.pos = close + 1;
    return literal;
  }

  private doubleQuoted(): string {
    let out = '';
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === this.escape) {
        // Inside double quotes the escape only protects ", $ and itself, as in sh.
        const next = this.text[this.pos + 1];
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos += 2;
        } else {
          out += ch;
          this.pos++;
        }
      } else if (ch === '$') {
        out += this.variable();
      } else {
        out += ch;
        this.pos++;
      }
    }
    throw this.error(`unterminated double quote in ${JSON.stringify(this.text)}`);
  }

  private variable(): string {
    this.pos++; // the `$`
    const next = this.text[this.pos];
    if (next === '{') {
      this.pos++;
      return this.braced();
    }
    if (next === undefined || !NAME_START.test(next)) return '$'; // a lone `$` is literal
    return this.lookup(this.name()) ?? '';
  }

  private name(): string {
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHAR.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private braced(): string {
    const first = this.text[this.pos];
    if (first === undefined || !NAME_START.test(first)) throw this.error(`bad substitution in ${JSON.stringify(this.text)}`);
    const name = this.name();
    const value = this.lookup(name);
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('}')) {
      this.pos++;
      return value ?? '';
    }
    if (rest === '') throw this.error(`missing '}' in ${JSON.stringify(this.text)}`);
    const modifier = /^(:?[-+?])/.exec(rest)?.[1];
    if (modifier === undefined) {
      throw this.error(`unsupported substitution \${${name}${rest.slice(0, 2)}…} in ${JSON.stringify(this.text)} (supported: :- - :+ + :? ?)`);
    }
    this.pos += modifier.length;
    // The operand is itself a word: it may hold quotes and further `${…}`.
    const operand = this.until('}');
    const unsetOnly = !modifier.startsWith(':');
    const missing = unsetOnly ? value === undefined : value === undefined || value === '';
    switch (modifier.slice(-1)) {
      case '-':
        return missing ? operand : value!;
      case '+':
        return missing ? '' : operand;
      default:
        if (missing) throw this.error(`${name}: ${operand || 'is not set'}`);
        return value!;
    }
  }

  private error(message: string): StrataError {
    return new StrataError('INVALID_ARGUMENT', this.where ? `${this.where}: ${message}` : message);
  }
}

// ---------------------------------------------------------------------------------------
// Build arguments and scopes

/**
 * Docker's predefined ARGs: usable in RUN without an ARG line, and kept out of the image
 * history and the cache key (a proxy setting says nothing about the result).
 */
export const PROXY_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy',
  'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);

/** BuildKit's automatic platform ARGs; a stage still has to declare `ARG TARGETARCH` to see one. */
export function platformArgs(architecture: string = hostArchitecture()): Record<string, string> {
  const platform = `linux/${architecture}`;
  return {
    TARGETPLATFORM: platform, TARGETOS: 'linux', TARGETARCH: architecture, TARGETVARIANT: '',
    BUILDPLATFORM: platform, BUILDOS: 'linux', BUILDARCH: architecture, BUILDVARIANT: '',
  };
}

/**
 * `--build-arg K=V` values; `--build-arg K` takes K from `env` (the CLI's environment) and
 * is dropped when K is not set there, as Docker does. K must be a name `$K` can expand.
 */
export function parseBuildArgs(specs: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const args: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    // The name rule the API holds every caller to (@shared/build-input), said here with the flag.
    if (!BUILD_ARG_NAME.test(name)) throw new StrataError('INVALID_ARGUMENT', `--build-arg ${JSON.stringify(spec)}: expected NAME=VALUE. ${buildArgNameProblem(name)}`);
    const value = eq < 0 ? env[name] : spec.slice(eq + 1);
    if (value !== undefined) args[name] = value;
  }
  return args;
}

/** The `--build-arg` values of one build, remembering which an ARG line consumed. */
export class BuildArgs {
  private readonly values: ReadonlyMap<string, string>;
  private readonly consumed = new Set<string>();

  constructor(values: Readonly<Record<string, string>> = {}) {
    this.values = new Map(Object.entries(values));
  }

  /** The value given for a declared ARG; declaring it counts as consuming it. */
  take(name: string): string | undefined {
    this.consumed.add(name);
    return this.values.get(name);
  }

  /** Proxy build-args, which reach RUN whether declared or not. */
  proxyEnv(): string[] {
    return [...this.values].filter(([name]) => PROXY_ARGS.has(name)).map(([name, value]) => `${name}=${value}`);
  }

  /** Docker's "One or more build-args were not consumed" warning, one line per build. */
  unconsumedWarning(): string | undefined {
    const unused = [...this.values.keys()].filter((name) => !this.consumed.has(name) && !PROXY_ARGS.has(name));
    if (unused.length === 0) return undefined;
    return `build-args not consumed by any ARG in the stages built: ${unused.sort().join(', ')}`;
  }
}

/**
 * The ARGs declared in one scope: before the first FROM (the "meta" scope, visible only to
 * FROM lines and COPY --from) or inside one stage. A stage ARG without a default inherits
 * the meta ARG of the same name, which is how Docker passes a global value into a stage.
 */
export class ArgScope {
  private readonly declared = new Map<string, string | undefined>();

  constructor(
    private readonly buildArgs: BuildArgs,
    private readonly inherited: ReadonlyMap<string, string | undefined> = new Map(),
  ) {}

  /** `ARG name[=default]`; the default must already be expanded. */
  declare(name: string, defaultValue: string | undefined): string | undefined {
    const given = this.buildArgs.take(name);
    const value = given ?? defaultValue ?? this.inherited.get(name);
    this.declared.delete(name); // a redeclaration moves to the end, where it now applies
    this.declared.set(name, value);
    return value;
  }

  /** Adds a name as if declared with a value, without consuming a build-arg (platform ARGs). */
  predefine(name: string, value: string): void {
    this.declared.set(name, value);
  }

  get(name: string): string | undefined {
    return this.declared.get(name);
  }

  /** Declared names with a value, in declaration order: what RUN sees in its environment. */
  entries(): [string, string][] {
    return [...this.declared].filter((entry): entry is [string, string] => entry[1] !== undefined);
  }

  values(): ReadonlyMap<string, string | undefined> {
    return this.declared;
  }
}

/**
 * What a name means at a line inside a stage: the image environment first (ENV lines and
 * the base image's Env), then the stage's ARGs — ENV always overrides an ARG of the same name.
 */
export function stageLookup(env: readonly string[] | null | undefined, args: ArgScope): Lookup {
  const fromEnv = envMap(env);
  return (name) => (fromEnv.has(name) ? fromEnv.get(name) : args.get(name));
}

/** `["A=1", "B=x=y"]` → Map {A → 1, B → x=y}; a later entry wins, as in execve. */
export function envMap(env: readonly string[] | null | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) map.set(entry.slice(0, eq), entry.slice(eq + 1));
    else if (eq < 0 && entry !== '') map.set(entry, '');
  }
  return map;
}
