import { describe, expect, it } from 'vitest';
import { IgnoreMatcher, parseIgnoreFile } from '../../../src-main/engine/build/ignore';

const matcher = (text: string) => IgnoreMatcher.parse(text);

describe('.containerignore patterns', () => {
  it('cleans patterns as Docker does', () => {
    const patterns = parseIgnoreFile('# comment\n  spaced.txt  \n/rooted\n./dot\na/../b\ndir/\n !  reincluded\n \t\n  # not a comment\n');
    expect(patterns.map(({ pattern, exception }) => [pattern, exception])).toEqual([
      ['spaced.txt', false],
      ['rooted', false],
      ['dot', false],
      ['b', false],
      ['dir', false],
      ['reincluded', true],
      ['# not a comment', false],
    ]);
  });

  it('refuses a bare "!"', () => {
    expect(() => parseIgnoreFile('a\n!\n', '.dockerignore')).toThrow('.dockerignore line 2: "!" needs a pattern after it');
  });

  it('a pattern matching a directory covers everything below it', () => {
    const ignore = matcher('node_modules\nbuild/out');
    expect(ignore.excludes('node_modules')).toBe(true);
    expect(ignore.excludes('node_modules/a/b.js')).toBe(true);
    expect(ignore.excludes('build/out/x.o')).toBe(true);
    expect(ignore.excludes('build/other')).toBe(false);
    expect(ignore.excludes('src/node_modules')).toBe(false); // anchored at the context root
  });

  it('* and ? stay within one component; ** crosses directories', () => {
    const ignore = matcher('*.log\ndocs/?.md\n**/*.tmp\nsecret/**');
    expect(ignore.excludes('x.log')).toBe(true);
    expect(ignore.excludes('sub/x.log')).toBe(false);
    expect(ignore.excludes('docs/a.md')).toBe(true);
    expect(ignore.excludes('docs/ab.md')).toBe(false);
    expect(ignore.excludes('t.tmp')).toBe(true);
    expect(ignore.excludes('a/b/c/t.tmp')).toBe(true);
    expect(ignore.excludes('secret')).toBe(false); // `secret/**` is what is inside
    expect(ignore.excludes('secret/key')).toBe(true);
    const middle = matcher('a/**/z');
    expect(middle.excludes('a/z')).toBe(true);
    expect(middle.excludes('a/b/c/z')).toBe(true);
    expect(middle.excludes('a/bz')).toBe(false);
  });

  it('character classes and escapes', () => {
    const ignore = matcher('file[0-9].txt\n[!a]*.bin\nlit\\*eral');
    expect(ignore.excludes('file7.txt')).toBe(true);
    expect(ignore.excludes('filex.txt')).toBe(false);
    expect(ignore.excludes('b.bin')).toBe(true);
    expect(ignore.excludes('a.bin')).toBe(false);
    expect(ignore.excludes('lit*eral')).toBe(true);
    expect(ignore.excludes('litXeral')).toBe(false);
  });

  it('! re-includes; the last matching pattern wins', () => {
    const ignore = matcher('*.md\n!README.md\ndocs\n!docs/keep/**\ndocs/keep/secret.md');
    expect(ignore.excludes('notes.md')).toBe(true);
    expect(ignore.excludes('README.md')).toBe(false);
    expect(ignore.excludes('docs/a.txt')).toBe(true);
    expect(ignore.excludes('docs/keep/b.txt')).toBe(false);
    expect(ignore.excludes('docs/keep/secret.md')).toBe(true);
    expect(matcher('!README.md\n*.md').excludes('README.md')).toBe(true); // order matters
  });

  it('knows when an excluded directory may hold re-included files', () => {
    const ignore = matcher('docs\n!docs/keep/*.txt\nvendor\n');
    expect(ignore.mayReinclude('docs')).toBe(true);
    expect(ignore.mayReinclude('docs/keep')).toBe(true);
    expect(ignore.mayReinclude('vendor')).toBe(false);
    expect(matcher('vendor').mayReinclude('vendor')).toBe(false);
    expect(matcher('vendor\n!**/LICENSE').mayReinclude('vendor')).toBe(true);
  });

  it('an empty file excludes nothing', () => {
    expect(matcher('').excludes('anything')).toBe(false);
    expect(matcher('').empty).toBe(true);
  });
});
