// Containerfile text → logical lines. This is the part of the format that is about lines,
// not instructions: parser directives at the top (`# escape=`, `# syntax=`), comments,
// and line continuations, with the same rules Docker applies, so a file that builds there
// is split into the same instructions here.
import { StrataError } from '@shared/errors';

export type EscapeChar = '\\' | '`';

/** One instruction's worth of text, continuations joined, with the lines it spans. */
export interface LogicalLine {
  /** 1-based line of the instruction's first physical line (what error messages name). */
  line: number;
  /** 1-based line of its last physical line. */
  endLine: number;
  /** Joined text; leading whitespace of the first line removed, the rest kept as written. */
  text: string;
}

export interface LexedContainerfile {
  escape: EscapeChar;
  lines: LogicalLine[];
  /** Directives that were read but have no effect here (`syntax`, `check`), for the user. */
  notes: string[];
  /** Deprecated but accepted constructs (empty continuation lines), as Docker warns. */
  warnings: string[];
}

// Docker's directive grammar: `# name = value` on the first lines only. Any other line
// (including an unknown directive, a plain comment or a blank line) ends the directive block.
const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

export function lexContainerfile(text: string): LexedContainerfile {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let escape: EscapeChar = '\\';
  const notes: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();

  let index = 0;
  // Directives: consumed from the top until the first line that is not one.
  for (; index < physical.length; index++) {
    const match = DIRECTIVE.exec(trimLeft(physical[index]!));
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined || !KNOWN_DIRECTIVES.has(name)) break;
    const value = match[2]!;
    const lineNo = index + 1;
    if (seen.has(name)) throw new StrataError('INVALID_ARGUMENT', `line ${lineNo}: only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw new StrataError('INVALID_ARGUMENT', `line ${lineNo}: invalid escape character ${JSON.stringify(value)} (use \\ or \`)`);
      }
      escape = value;
    } else {
      // `syntax` selects a BuildKit frontend image and `check` configures its linter;
      // Strata has one built-in frontend, so both are read and set aside with a note.
      notes.push(`line ${lineNo}: ignoring the "# ${name}=${value}" directive; strata build uses its own Containerfile parser`);
    }
  }

  // Docker accepts trailing blanks after the escape that ends a line ("\   ").
  const continuation = new RegExp(`${escapeRegExp(escape)}[ \\t]*$`);
  const lines: LogicalLine[] = [];
  for (; index < physical.length; index++) {
    const first = trimLeft(physical[index]!);
    if (first === '' || isComment(first)) continue;
    const start = index + 1;
    let [joined, continues] = splitContinuation(first, continuation);
    let emptyContinuation = false;
    while (continues && index + 1 < physical.length) {
      const next = physical[++index]!;
      // Docker drops whole comment lines inside a continuation: they never reach the shell.
      if (isComment(trimLeft(next))) continue;
      if (next.trim() === '') {
        emptyContinuation = true;
        continue;
      }
      let part: string;
      [part, continues] = splitContinuation(next, continuation);
      joined += part;
    }
    if (emptyContinuation) warnings.push(`line ${start}: empty continuation lines are deprecated (remove the blank line or make it a comment)`);
    // A lone escape on a line ("\" then EOF) leaves nothing to run.
    if (joined.trim() === '') continue;
    lines.push({ line: start, endLine: index + 1, text: joined });
  }
  return { escape, lines, notes, warnings };
}

function splitContinuation(line: string, continuation: RegExp): [string, boolean] {
  const match = continuation.exec(line);
  return match ? [line.slice(0, match.index), true] : [line, false];
}

function isComment(trimmed: string): boolean {
  return trimmed.startsWith('#');
}

function trimLeft(line: string): string {
  return line.replace(/^[ \t\f\v\r]+/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
