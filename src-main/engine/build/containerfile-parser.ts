// Logical lines → typed instructions. Arguments stay as written (quotes and `$VAR`s
// included): what a word means depends on the ARG/ENV scope at that line, which only the
// planner knows, so expansion happens there (variables.ts), not here.
import { StrataError } from '@shared/errors';
import { lexContainerfile, type EscapeChar, type LogicalLine } from './containerfile-lexer';

interface At {
  /** 1-based first line of the instruction in the file. */
  line: number;
  endLine: number;
  /** The logical line as written (continuations joined), for messages. */
  source: string;
}

/** RUN/CMD/ENTRYPOINT: a JSON array runs as is; anything else is a script for `/bin/sh -c`. */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; script: string };

export interface FromInstruction extends At {
  keyword: 'FROM';
  image: string;
  /** As written after `AS`; stages.ts validates and lower-cases it. */
  stageName?: string;
  platform?: string;
}

export interface RunInstruction extends At {
  keyword: 'RUN';
  command: CommandForm;
}

export interface CommandInstruction extends At {
  keyword: 'CMD' | 'ENTRYPOINT';
  command: CommandForm;
}

export interface CopyInstruction extends At {
  keyword: 'COPY' | 'ADD';
  sources: string[];
  dest: string;
  /** JSON array form: the words are already unquoted. */
  json: boolean;
  chown?: string;
  chmod?: string;
  /** COPY only: a stage name or index (resolved by stages.ts). */
  from?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface KeyValueInstruction extends At {
  keyword: 'ENV' | 'LABEL';
  pairs: KeyValue[];
}

export interface ArgDeclaration {
  name: string;
  /** Unexpanded default, if `NAME=default`. */
  defaultValue?: string;
}

export interface ArgInstruction extends At {
  keyword: 'ARG';
  args: ArgDeclaration[];
}

export interface ListInstruction extends At {
  keyword: 'EXPOSE' | 'VOLUME';
  items: string[];
  json: boolean;
}

export interface ValueInstruction extends At {
  keyword: 'WORKDIR' | 'USER' | 'STOPSIGNAL';
  value: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CommandInstruction
  | CopyInstruction
  | KeyValueInstruction
  | ArgInstruction
  | ListInstruction
  | ValueInstruction;

export type Keyword = Instruction['keyword'];

export interface ParsedContainerfile {
  escape: EscapeChar;
  instructions: Instruction[];
  /** Things set aside on purpose (`# syntax=`), one line each. */
  notes: string[];
  /** Deprecated but accepted constructs, one line each. */
  warnings: string[];
}

/** Instructions Docker knows and Strata does not build yet: refused by name, not as unknown. */
const NOT_YET = new Set(['SHELL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER']);

/** Flags each instruction accepts; value flags only (`--name=value`). */
const FLAGS: Partial<Record<Keyword, readonly string[]>> = {
  FROM: ['platform'],
  COPY: ['chown', 'chmod', 'from'],
  ADD: ['chown', 'chmod'],
};

/** BuildKit RUN flags: recognised so the error says "not supported" rather than "unknown". */
const RUN_FLAGS_NOT_YET = new Set(['mount', 'network', 'security']);

export function parseContainerfile(text: string): ParsedContainerfile {
  const lexed = lexContainerfile(text);
  const warnings = [...lexed.warnings];
  const instructions = lexed.lines.map((line) => parseLine(line, lexed.escape, warnings));
  if (instructions.length === 0) {
    throw new StrataError('INVALID_ARGUMENT', 'the Containerfile has no instructions (it needs at least a FROM line)');
  }
  // Only ARGs may precede the first FROM (they parameterise FROM lines).
  const first = instructions.find((instruction) => instruction.keyword !== 'ARG');
  if (first === undefined) throw new StrataError('INVALID_ARGUMENT', 'the Containerfile has no FROM instruction');
  if (first.keyword !== 'FROM') {
    throw new StrataError('INVALID_ARGUMENT', `line ${first.line}: ${first.keyword} before the first FROM (only ARG may come before FROM)`);
  }
  return { escape: lexed.escape, instructions, notes: lexed.notes, warnings: byLine(warnings) };
}

/** Lexer and parser warnings interleaved in file order (both start `line N:`). */
function byLine(messages: string[]): string[] {
  const lineOf = (message: string) => Number(/^line (\d+):/.exec(message)?.[1] ?? 0);
  return [...messages].sort((a, b) => lineOf(a) - lineOf(b));
}

function parseLine(logical: LogicalLine, escape: EscapeChar, warnings: string[]): Instruction {
  const text = logical.text.trim();
  const split = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text)!;
  const word = split[1]!;
  const rest = split[2] ?? '';
  const keyword = word.toUpperCase();
  const at: At = { line: logical.line, endLine: logical.endLine, source: text };
  const fail = (message: string, code: 'INVALID_ARGUMENT' | 'UNSUPPORTED' = 'INVALID_ARGUMENT') =>
    new StrataError(code, `line ${logical.line}: ${message}`);

  if (NOT_YET.has(keyword)) throw fail(`${keyword} is not supported by strata build yet`, 'UNSUPPORTED');
  if (!isKeyword(keyword)) throw fail(`unknown instruction ${word}`);

  const { flags, args } = splitFlags(rest, escape, keyword, fail);
  if (args.trim() === '') throw fail(`${keyword} needs arguments`);

  switch (keyword) {
    case 'FROM': {
      const words = args.trim().split(/\s+/);
      if (words.length === 3 && words[1]!.toUpperCase() === 'AS') {
        return { ...at, keyword, image: words[0]!, stageName: words[2]!, ...optional('platform', flags.platform) };
      }
      if (words.length !== 1) throw fail('FROM takes an image and an optional "AS name"');
      return { ...at, keyword, image: words[0]!, ...optional('platform', flags.platform) };
    }
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT': {
      const command = commandForm(args, fail);
      if (keyword === 'RUN' && command.form === 'shell') refuseHeredoc(command.script, escape, keyword, fail);
      return { ...at, keyword, command };
    }
    case 'COPY':
    case 'ADD': {
      const list = jsonList(args, fail);
      const items = list ?? args.trim().split(/\s+/);
      if (list === undefined) refuseHeredoc(args, escape, keyword, fail);
      if (items.length < 2) throw fail(`${keyword} needs at least one source and a destination`);
      return {
        ...at,
        keyword,
        sources: items.slice(0, -1),
        dest: items[items.length - 1]!,
        json: list !== undefined,
        ...optional('chown', flags.chown),
        ...optional('chmod', flags.chmod),
        ...optional('from', flags.from),
      };
    }
    case 'ENV':
    case 'LABEL':
      return { ...at, keyword, pairs: keyValues(args, escape, keyword, fail, warnings, logical.line) };
    case 'ARG':
      return { ...at, keyword, args: argDeclarations(args, escape, fail) };
    case 'EXPOSE':
      return { ...at, keyword, items: args.trim().split(/\s+/), json: false };
    case 'VOLUME': {
      const list = jsonList(args, fail);
      const items = list ?? args.trim().split(/\s+/);
      if (items.length === 0) throw fail('VOLUME needs at least one path');
      return { ...at, keyword, items, json: list !== undefined };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
      return { ...at, keyword, value: args.trim() };
  }
}

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD', 'ENV', 'LABEL', 'ARG', 'EXPOSE', 'VOLUME', 'WORKDIR', 'USER', 'STOPSIGNAL',
]);

function isKeyword(word: string): word is Keyword {
  return KEYWORDS.has(word);
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

type Fail = (message: string, code?: 'INVALID_ARGUMENT' | 'UNSUPPORTED') => StrataError;

/**
 * Leading `--name=value` words. Everything after the first word that does not start with
 * `--` (or after a bare `--`) is the instruction's arguments.
 */
function splitFlags(rest: string, escape: EscapeChar, keyword: Keyword, fail: Fail): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let remaining = rest;
  for (;;) {
    remaining = remaining.replace(/^\s+/, '');
    if (!remaining.startsWith('--')) break;
    const [word, after] = firstWord(remaining, escape);
    remaining = after;
    if (word === '--') break;
    const eq = word.indexOf('=');
    const name = (eq < 0 ? word.slice(2) : word.slice(2, eq)).toLowerCase();
    if (keyword === 'RUN' && RUN_FLAGS_NOT_YET.has(name)) throw fail(`RUN --${name} is not supported by strata build yet`, 'UNSUPPORTED');
    if (!(FLAGS[keyword] ?? []).includes(name)) {
      const known = FLAGS[keyword]?.map((flag) => `--${flag}`).join(', ');
      throw fail(`unknown flag --${name} for ${keyword}${known ? ` (known: ${known})` : ''}`);
    }
    if (eq < 0) throw fail(`--${name} needs a value (--${name}=…)`);
    if (name in flags) throw fail(`--${name} given twice`);
    flags[name] = unquote(word.slice(eq + 1));
  }
  return { flags, args: remaining };
}

/** The first whitespace-delimited word, honouring quotes and escapes (which stay in it). */
function firstWord(text: string, escape: EscapeChar): [string, string] {
  const words = splitWords(text, escape, 1);
  const word = words[0] ?? '';
  return [word, text.slice(text.indexOf(word) + word.length)];
}

/** A flag value wrapped whole in quotes loses them (`--chown="1000:1000"`). */
function unquote(value: string): string {
  const match = /^(["'])([\s\S]*)\1$/.exec(value);
  return match ? match[2]! : value;
}

/**
 * Docker's word splitting for ENV/LABEL/ARG: split on blanks outside quotes; quotes and
 * escapes stay in the words for the expansion step to interpret.
 */
export function splitWords(text: string, escape: EscapeChar, limit = Infinity): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < text.length && words.length < limit; i++) {
    const ch = text[i]!;
    if (quote === undefined && /\s/.test(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
      continue;
    }
    started = true;
    if (ch === escape && i + 1 < text.length) {
      word += ch + text[i + 1];
      i++;
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = undefined;
    word += ch;
  }
  if (started && words.length < limit) words.push(word);
  return words;
}

/** `["a", "b"]` → list; anything that is not a JSON array → undefined (shell form). */
function jsonList(args: string, fail: Fail): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // `RUN [ -f x ] && …` is a shell test, not a broken JSON array: Docker runs it as shell.
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((item) => typeof item === 'string')) throw fail('a JSON array form must hold only strings');
  return parsed as string[];
}

function commandForm(args: string, fail: Fail): CommandForm {
  const list = jsonList(args, fail);
  return list === undefined ? { form: 'shell', script: args.trim() } : { form: 'exec', args: list };
}

/**
 * Heredocs (`RUN <<EOF`) need the lexer to read the following lines as data. Strata does
 * not support them yet, and reading their bodies as instructions would give baffling
 * errors, so the instruction that opens one is refused by name.
 */
function refuseHeredoc(text: string, escape: EscapeChar, keyword: Keyword, fail: Fail): void {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === escape) {
      i++;
      continue;
    }
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      continue;
    }
    if (ch !== '<' || text[i + 1] !== '<' || text[i - 1] === '<' || text[i + 2] === '<') continue;
    if (/^<<-?(["']?)[A-Za-z_][A-Za-z0-9_]*\1/.test(text.slice(i))) {
      throw fail(`heredocs (${keyword} <<…) are not supported by strata build yet; put the text in a file in the build context and COPY it`, 'UNSUPPORTED');
    }
  }
}

/** ENV/LABEL: `K=V K2="v 2"` or the legacy single pair `K value with spaces`. */
function keyValues(args: string, escape: EscapeChar, keyword: Keyword, fail: Fail, warnings: string[], line: number): KeyValue[] {
  const words = splitWords(args, escape);
  if (!words[0]!.includes('=')) {
    const legacy = /^(\S+)\s+([\s\S]*\S)\s*$/.exec(args.trim());
    if (!legacy) throw fail(`${keyword} needs KEY=VALUE (or the legacy KEY VALUE)`);
    warnings.push(`line ${line}: "${keyword} key value" is a legacy form; prefer ${keyword} key=value`);
    return [{ key: legacy[1]!, value: legacy[2]! }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw fail(`${keyword}: can't find = in ${JSON.stringify(word)}; use KEY=VALUE`);
    if (eq === 0) throw fail(`${keyword}: a name can not be blank in ${JSON.stringify(word)}`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function argDeclarations(args: string, escape: EscapeChar, fail: Fail): ArgDeclaration[] {
  return splitWords(args, escape).map((word) => {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[^\s"'=$]+$/.test(name)) throw fail(`ARG: invalid name ${JSON.stringify(name)}`);
    return eq < 0 ? { name } : { name, defaultValue: word.slice(eq + 1) };
  });
}
