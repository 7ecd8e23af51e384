import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBuildContext, resolveCopySources, stageRoot, type ResolvedSources } from '../../../src-main/engine/build/context';
import { isStrataError, type ErrorCode } from '@shared/errors';

let base: string; // holds the context and things outside it
let ctx: string;

async function tree(root: string, files: Record<string, string | { link: string } | { mode: number; text: string }>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(root, name);
    await mkdir(path.dirname(full), { recursive: true });
    if (name.endsWith('/')) await mkdir(full, { recursive: true });
    else if (typeof content === 'string') await writeFile(full, content);
    else if ('link' in content) await symlink(content.link, full);
    else {
      await writeFile(full, content.text);
      await chmod(full, content.mode);
    }
  }
}

async function failure(run: () => Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await run();
  } catch (error) {
    if (isStrataError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a StrataError');
}

/** Source path → entries as `type rel` lines, for compact expectations. */
function shape(resolved: ResolvedSources): Record<string, string[]> {
  return Object.fromEntries(resolved.sources.map((source) => [source.path, source.entries.map((entry) => `${entry.type} ${entry.rel}${entry.linkTarget ? ` -> ${entry.linkTarget}` : ''}`)]));
}

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'strata-build-context-'));
  ctx = path.join(base, 'ctx');
  await mkdir(ctx);
  await tree(base, { 'outside/secret.txt': 'secret', 'outside-file.txt': 'outside' });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('COPY sources', () => {
  it('resolves files and directories, walking directories sorted, parents first', async () => {
    await tree(ctx, { 'a.txt': 'a', 'src/z.ts': 'z', 'src/lib/b.ts': 'b', 'src/empty/': '', 'src/A.ts': 'A' });
    const resolved = await resolveCopySources(ctx, ['a.txt', 'src']);
    expect(shape(resolved)).toEqual({
      'a.txt': ['file '],
      src: ['directory ', 'file A.ts', 'directory empty', 'directory lib', 'file lib/b.ts', 'file z.ts'],
    });
    const file = resolved.sources[0]!.entries[0]!;
    expect(file).toMatchObject({ absPath: path.join(ctx, 'a.txt'), size: 1, type: 'file' });
    expect(resolved.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('reads `.`, `/` and `./x/` as context paths (a leading / is the context root)', async () => {
    await tree(ctx, { 'x/f': 'f' });
    expect(shape(await resolveCopySources(ctx, ['.']))).toEqual({ '': ['directory ', 'directory x', 'file x/f'] });
    expect(shape(await resolveCopySources(ctx, ['/x/f']))).toEqual({ 'x/f': ['file '] });
    expect(shape(await resolveCopySources(ctx, ['./x/', 'x/../x/f']))).toEqual({ x: ['directory ', 'file f'], 'x/f': ['file '] });
  });

  it('expands *, ? and [...] per path component, sorted, including dotfiles', async () => {
    await tree(ctx, { 'a1.txt': '', 'a2.txt': '', 'b1.txt': '', '.hidden.txt': '', 'sub/a3.txt': '', 'sub2/a4.txt': '', 'lit*.txt': '' });
    const paths = async (pattern: string) => (await resolveCopySources(ctx, [pattern])).sources.map((source) => source.path);
    expect(await paths('*.txt')).toEqual(['.hidden.txt', 'a1.txt', 'a2.txt', 'b1.txt', 'lit*.txt']);
    expect(await paths('a?.txt')).toEqual(['a1.txt', 'a2.txt']);
    expect(await paths('[ab]1.txt')).toEqual(['a1.txt', 'b1.txt']);
    expect(await paths('[^a]*.txt')).toEqual(['.hidden.txt', 'b1.txt', 'lit*.txt']);
    expect(await paths('sub*/a*.txt')).toEqual(['sub/a3.txt', 'sub2/a4.txt']);
    expect(await paths('lit\\*.txt')).toEqual(['lit*.txt']);
  });

  it('reports missing sources and empty globs as NOT_FOUND', async () => {
    await tree(ctx, { 'a.txt': '' });
    expect(await failure(() => resolveCopySources(ctx, ['nope.txt']))).toEqual({ code: 'NOT_FOUND', message: 'COPY source "nope.txt": not found in the build context' });
    expect(await failure(() => resolveCopySources(ctx, ['*.go']))).toEqual({ code: 'NOT_FOUND', message: 'COPY source "*.go": no file in the build context matches' });
    expect((await failure(() => resolveCopySources(ctx, ['a.txt/x']))).code).toBe('NOT_FOUND');
  });

  it.each(['../outside-file.txt', '..', '/../outside-file.txt', 'a/../../outside-file.txt', '\\.\\./outside-file.txt', '..\\/x'])(
    'refuses %j, which climbs out of the context',
    async (pattern) => {
      await tree(ctx, { 'a/x': '' });
      const error = await failure(() => resolveCopySources(ctx, [pattern]));
      expect(error.code).toBe(pattern === '..\\/x' ? 'NOT_FOUND' : 'INVALID_ARGUMENT');
      if (error.code === 'INVALID_ARGUMENT') expect(error.message).toBe(`COPY source ${JSON.stringify(pattern)}: is outside the build context`);
    },
  );

  it('refuses a path through a symlink that leads outside (relative or absolute)', async () => {
    await tree(ctx, { 'up': { link: '../outside' }, 'abs': { link: path.join(base, 'outside') }, 'dot': { link: '..' } });
    for (const pattern of ['up/secret.txt', 'abs/secret.txt', 'dot/outside-file.txt']) {
      expect(await failure(() => resolveCopySources(ctx, [pattern]))).toEqual({
        code: 'INVALID_ARGUMENT',
        message: `COPY source ${JSON.stringify(pattern)}: ${pattern.split('/')[0]} is a symlink that leads outside the build context`,
      });
    }
  });

  it('follows a symlink in the middle of a path while it stays inside', async () => {
    await tree(ctx, { 'real/dir/f.txt': 'f', 'link': { link: 'real/dir' }, 'abslink': { link: path.join(ctx, 'real') }, 'loop': { link: 'real/../link' } });
    expect(shape(await resolveCopySources(ctx, ['link/f.txt', 'abslink/dir/f.txt', 'loop/f.txt']))).toEqual({
      'link/f.txt': ['file '],
      'abslink/dir/f.txt': ['file '],
      'loop/f.txt': ['file '],
    });
  });

  it('a wildcard that meets a symlink out is skipped, not followed', async () => {
    await tree(ctx, { 'in/secret.txt': 'mine', 'out': { link: '../outside' } });
    expect((await resolveCopySources(ctx, ['*/secret.txt'])).sources.map((source) => source.path)).toEqual(['in/secret.txt']);
  });

  it('a source symlink is followed inside the context, and copied as a link when it points out', async () => {
    await tree(ctx, {
      'data/x': 'x',
      'current': { link: 'data' },
      'file-link': { link: 'data/x' },
      'escape': { link: '../outside/secret.txt' },
      'escape-abs': { link: path.join(base, 'outside-file.txt') },
      'dangling': { link: 'nowhere' },
    });
    expect(shape(await resolveCopySources(ctx, ['current', 'file-link', 'escape', 'escape-abs', 'dangling']))).toEqual({
      current: ['directory ', 'file x'],
      'file-link': ['file '],
      escape: ['symlink  -> ../outside/secret.txt'],
      'escape-abs': [`symlink  -> ${path.join(base, 'outside-file.txt')}`],
      dangling: ['symlink  -> nowhere'],
    });
    const followed = (await resolveCopySources(ctx, ['file-link'])).sources[0]!.entries[0]!;
    expect(followed.absPath).toBe(path.join(ctx, 'data/x'));
  });

  it('symlinks inside a copied directory are copied as symlinks, never followed', async () => {
    await tree(ctx, { 'app/out': { link: '/etc' }, 'app/up': { link: '../../outside' }, 'app/ok': { link: 'f' }, 'app/f': 'f' });
    expect(shape(await resolveCopySources(ctx, ['app']))).toEqual({
      app: ['directory ', 'file f', 'symlink ok -> f', 'symlink out -> /etc', 'symlink up -> ../../outside'],
    });
  });

  it('never reads an ignore file through a symlink', async () => {
    await tree(base, { 'evil-ignore': '*' });
    await tree(ctx, { '.containerignore': { link: '../evil-ignore' }, 'a': 'a' });
    const context = await openBuildContext(ctx);
    expect(context.ignoreFile).toBeUndefined();
  });
});

describe('ignore files in the context', () => {
  it('prefers .containerignore over .dockerignore', async () => {
    await tree(ctx, { '.containerignore': 'a', '.dockerignore': 'b', a: '', b: '' });
    const context = await openBuildContext(ctx);
    expect(context.ignoreFile).toBe('.containerignore');
    expect(shape(await resolveCopySources(context, ['.']))).toEqual({ '': ['directory ', 'file .containerignore', 'file .dockerignore', 'file b'] });
  });

  it('hides ignored files from directory copies and globs, and says so for a named file', async () => {
    await tree(ctx, {
      '.dockerignore': '**/*.log\nsecrets\n!secrets/public.pem\nnode_modules\n',
      'app.js': '',
      'debug.log': '',
      'sub/trace.log': '',
      'sub/keep.js': '',
      'secrets/private.pem': '',
      'secrets/public.pem': '',
      'node_modules/x/index.js': '',
    });
    const context = await openBuildContext(ctx);
    expect(shape(await resolveCopySources(context, ['.']))).toEqual({
      '': ['directory ', 'file .dockerignore', 'file app.js', 'directory secrets', 'file secrets/public.pem', 'directory sub', 'file sub/keep.js'],
    });
    expect((await resolveCopySources(context, ['*'])).sources.map((source) => source.path)).toEqual(['.dockerignore', 'app.js', 'secrets', 'sub']);
    expect(await failure(() => resolveCopySources(context, ['debug.log']))).toEqual({ code: 'NOT_FOUND', message: 'COPY source "debug.log": is excluded by .dockerignore' });
    expect(shape(await resolveCopySources(context, ['secrets']))).toEqual({ secrets: ['directory ', 'file public.pem'] });
    expect((await failure(() => resolveCopySources(context, ['node_modules']))).message).toMatch(/excluded by .dockerignore/);
  });

  it('does not let a symlink reach an ignored file', async () => {
    await tree(ctx, { '.containerignore': 'private', 'private/key': 'k', 'alias': { link: 'private' } });
    expect((await failure(() => resolveCopySources(ctx, ['alias/key']))).code).toBe('NOT_FOUND');
  });
});

describe('content digest', () => {
  const digest = async (...patterns: string[]) => (await resolveCopySources(ctx, patterns)).digest;

  it('is stable, ignores mtime, and changes with content, mode, names, link targets and order', async () => {
    await tree(ctx, { 'app/a.txt': 'hello', 'app/b.sh': { mode: 0o755, text: '#!/bin/sh' }, 'app/l': { link: 'a.txt' }, 'c.txt': 'c' });
    const first = await digest('app');
    expect(await digest('app')).toBe(first);

    await utimes(path.join(ctx, 'app/a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await digest('app')).toBe(first); // touch: same key

    await writeFile(path.join(ctx, 'app/a.txt'), 'hellO');
    const edited = await digest('app');
    expect(edited).not.toBe(first);
    await writeFile(path.join(ctx, 'app/a.txt'), 'hello');
    expect(await digest('app')).toBe(first);

    await chmod(path.join(ctx, 'app/b.sh'), 0o700);
    expect(await digest('app')).not.toBe(first);
    await chmod(path.join(ctx, 'app/b.sh'), 0o755);

    await rm(path.join(ctx, 'app/l'));
    await symlink('b.sh', path.join(ctx, 'app/l'));
    expect(await digest('app')).not.toBe(first);
    await rm(path.join(ctx, 'app/l'));
    await symlink('a.txt', path.join(ctx, 'app/l'));
    expect(await digest('app')).toBe(first);

    await writeFile(path.join(ctx, 'app/new.txt'), '');
    expect(await digest('app')).not.toBe(first);
    await rm(path.join(ctx, 'app/new.txt'));

    expect(await digest('app', 'c.txt')).not.toBe(await digest('c.txt', 'app'));
  });

  it('moving content between files changes it (paths and sizes are delimited)', async () => {
    await tree(ctx, { 'x/ab': 'c', 'y/a': 'bc' });
    expect(await digest('x')).not.toBe(await digest('y'));
  });

  if (process.getuid?.() !== 0) console.warn('context: "leaves the owner out" skipped, chown to another owner needs root');
  it.runIf(process.getuid?.() === 0)('leaves the owner out', async () => {
    const { chown } = await import('node:fs/promises');
    await tree(ctx, { 'f.txt': 'f' });
    const before = await digest('f.txt');
    await chown(path.join(ctx, 'f.txt'), 1234, 5678);
    expect(await digest('f.txt')).toBe(before);
  });
});

describe('an image root as COPY --from source', () => {
  it('resolves absolute symlinks inside the root, chroot-style', async () => {
    const root = path.join(base, 'rootfs');
    await tree(root, { 'usr/lib/libc.so': 'libc', 'lib': { link: '/usr/lib' }, 'up': { link: '../../../usr' } });
    expect(shape(await resolveCopySources(stageRoot(root), ['/lib/libc.so', 'up/lib/libc.so']))).toEqual({
      'lib/libc.so': ['file '],
      'up/lib/libc.so': ['file '],
    });
  });
});
