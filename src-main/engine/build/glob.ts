// Shell-style wildcards as Go's filepath.Match reads them (what Docker uses for COPY
// sources and, with `**` added, for .dockerignore): `*` any run of characters but `/`,
// `?` one character but `/`, `[abc]`, `[a-z]`, `[^x]` / `[!x]` classes, `\` escapes.
// Compiled to a RegExp so each pattern is parsed once.

export interface GlobOptions {
  /** `**` matches across directories (.dockerignore); off, `**` is just `*` twice. */
  doubleStar?: boolean;
}

/** True if the pattern has an unescaped `*`, `?` or `[` (`a\*b` is a literal name). */
export function hasWildcards(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** The RegExp source (without anchors) for a pattern. */
export function globSource(pattern: string, options: GlobOptions = {}): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (options.doubleStar && pattern[i + 1] === '*') {
        i++;
        // `**/` is `**`; at the end it takes everything, elsewhere any number of whole
        // directories (zero included), so `a/**/b` matches `a/b` and `a/x/y/b`.
        if (pattern[i + 1] === '/') i++;
        out += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[++i]!);
    } else if (ch === '[') {
      const cls = charClass(pattern, i);
      if (cls === undefined) {
        out += '\\[';
      } else {
        out += cls.source;
        i = cls.end;
      }
    } else {
      out += escapeRegExp(ch);
    }
  }
  return out;
}

export function globRegExp(pattern: string, options: GlobOptions = {}): RegExp {
  return new RegExp(`^${globSource(pattern, options)}$`);
}

/** Unescapes a pattern with no wildcards: `a\*b` names the file `a*b`. */
export function literalOf(pattern: string): string {
  return pattern.replace(/\\(.)/g, '$1');
}

/** `[...]` starting at `start` → RegExp class and index of its `]`; undefined if unclosed. */
function charClass(pattern: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let source = '[';
  if (pattern[i] === '^' || pattern[i] === '!') {
    source += '^';
    i++;
  }
  let first = true;
  for (; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === ']' && !first) {
      // A class never matches the separator, negated or not.
      return { source: source.startsWith('[^') ? `${source}/]` : `(?!/)${source}]`, end: i };
    }
    first = false;
    if (ch === '\\' && i + 1 < pattern.length) {
      source += escapeClassChar(pattern[++i]!);
    } else if (ch === '-') {
      source += '-';
    } else {
      source += escapeClassChar(ch);
    }
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function escapeClassChar(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
}
