// .containerignore / .dockerignore: which files of a build context COPY and ADD can see.
// Semantics follow Docker's: one pattern per line, `#` comment lines, surrounding blanks
// trimmed, a leading `/` dropped, paths cleaned (`a/../b` → `b`), `**` for any number of
// directories, `!` re-including what an earlier pattern excluded; the last matching
// pattern wins, and a pattern that matches a directory covers everything below it.
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { globRegExp, globSource } from './glob';

export interface IgnorePattern {
  /** Cleaned pattern, without the `!`. */
  pattern: string;
  /** `!pattern`: re-include. */
  exception: boolean;
  regex: RegExp;
}

/** Ignore files in order of preference: Podman/Buildah's name first, then Docker's. */
export const IGNORE_FILES = ['.containerignore', '.dockerignore'] as const;

export function parseIgnoreFile(text: string, fileName = '.containerignore'): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    if (raw.startsWith('#')) return; // only a `#` in the first column starts a comment
    let pattern = raw.trim();
    if (pattern === '') return;
    const exception = pattern.startsWith('!');
    if (exception) {
      pattern = pattern.slice(1).trim();
      if (pattern === '') throw new StrataError('INVALID_ARGUMENT', `${fileName} line ${index + 1}: "!" needs a pattern after it`);
    }
    pattern = path.posix.normalize(pattern).replace(/\/+$/, '');
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    if (pattern === '') pattern = '/';
    patterns.push({ pattern, exception, regex: globRegExp(pattern, { doubleStar: true }) });
  });
  return patterns;
}

export class IgnoreMatcher {
  private readonly exceptions: IgnorePattern[];

  constructor(readonly patterns: readonly IgnorePattern[] = []) {
    this.exceptions = patterns.filter((pattern) => pattern.exception);
  }

  static parse(text: string, fileName?: string): IgnoreMatcher {
    return new IgnoreMatcher(parseIgnoreFile(text, fileName));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Is this context-relative path (`a/b.txt`, no leading `/`) hidden from the build? */
  excludes(relPath: string): boolean {
    if (relPath === '' || this.patterns.length === 0) return false;
    const ancestors = ancestorsOf(relPath);
    let excluded = false;
    for (const { regex, exception } of this.patterns) {
      // Only a pattern that could flip the current answer needs testing.
      if (exception !== excluded) continue;
      if (regex.test(relPath) || ancestors.some((ancestor) => regex.test(ancestor))) excluded = !exception;
    }
    return excluded;
  }

  /**
   * For an excluded directory: could an exception pattern re-include something below it?
   * If not, a walk can skip the directory without reading it.
   */
  mayReinclude(dirRelPath: string): boolean {
    if (this.exceptions.length === 0) return false;
    const depth = dirRelPath.split('/').length;
    return this.exceptions.some(({ pattern }) => {
      if (pattern.includes('**')) return true;
      const parts = pattern.split('/');
      if (parts.length <= depth) return false;
      // The pattern's first `depth` components must be able to name this directory.
      return new RegExp(`^${globSource(parts.slice(0, depth).join('/'))}$`).test(dirRelPath);
    });
  }
}

/** `a/b/c` → [`a`, `a/b`]. */
function ancestorsOf(relPath: string): string[] {
  const parts = relPath.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}
