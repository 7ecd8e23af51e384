// Resolving paths inside a root (layers/root-path.ts) on real directories: links resolve
// inside the root, whatever their target says; a stack of layer directories reads as the
// overlay would show it (a path's components from different layers, whiteouts, opaque
// directories, a lower layer's link under an upper directory hidden); mkdir through a link
// to a missing directory makes the target inside the root. Every lookup and read is also
// made through the async form (the API's), which must answer the same.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lsetxattr, mknod } from '../../../native/lib/index';
import { type RootView, directoryRoot, entryInRoot, entryInRootAsync, layerStackRoot, mkdirInRoot, readFileInRoot, readFileInRootAsync, resolveInRoot } from '../../../src-main/engine/layers/root-path';
import { opaqueXattr } from '../../../src-main/engine/layers/whiteouts';
import { StrataError } from '@shared/errors';
import { makeTempDir } from '../../helpers/test-images';

let work: string;
/** A directory on the host that images' links point at: nothing here may ever be read. */
let host: string;

function put(root: string, rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

function link(root: string, rel: string, target: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.symlinkSync(target, path.join(root, rel));
}

function dir(name: string): string {
  const made = path.join(work, name);
  fs.mkdirSync(made, { recursive: true });
  return made;
}

/** readFileInRoot, and the same answer from readFileInRootAsync. */
async function readFile(view: RootView, imagePath: string): Promise<Buffer | undefined> {
  const read = readFileInRoot(view, imagePath);
  expect(await readFileInRootAsync(view, imagePath)).toEqual(read);
  return read;
}

/** view.lookup, and the same answer from lookupAsync. */
async function lookup(view: RootView, parts: string[]): Promise<string | undefined> {
  const found = view.lookup(parts);
  expect((await view.lookupAsync(parts))?.host).toBe(found?.host);
  return found?.host;
}

beforeAll(() => {
  work = makeTempDir('root-path');
  host = dir('host');
  put(host, 'passwd', 'hostuser:x:4242:4242::/home/host:/bin/sh\n');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('a directory root', () => {
  it('resolves absolute and climbing links inside the root, never on the host', async () => {
    const root = dir('plain');
    put(root, 'usr/share/passwd', 'inimage:x:1:1::/:/bin/sh\n');
    link(root, 'etc', host); // absolute: means <root><host>
    link(root, 'rel', '../../../../../../..' + host); // climbs: stops at the root
    link(root, 'good/passwd', '../usr/share/passwd');
    const view = directoryRoot(root);
    expect(await readFile(view, '/etc/passwd')).toBeUndefined();
    expect(await readFile(view, '/rel/passwd')).toBeUndefined();
    expect((await readFile(view, '/good/passwd'))?.toString()).toBe('inimage:x:1:1::/:/bin/sh\n');
    expect(resolveInRoot(root, '/etc/passwd', true)).toBe(path.join(root, host, 'passwd'));
    expect(resolveInRoot(root, '/good/passwd', false)).toBe(path.join(root, 'good/passwd'));
  });

  it('refuses a loop of links with a coded error', async () => {
    const root = dir('loop');
    link(root, 'a', 'b');
    link(root, 'b', '/a');
    expect(() => entryInRoot(directoryRoot(root), '/a/x', true)).toThrow(StrataError);
    await expect(entryInRootAsync(directoryRoot(root), '/a/x', true)).rejects.toThrow(StrataError);
  });

  it('mkdir -p through a link to a missing directory makes the target inside the root', async () => {
    const root = dir('mkdir');
    link(root, 'x', '/nonexistent/dir');
    const made = mkdirInRoot(root, '/x/sub', { uid: 0, gid: 0 });
    expect(made).toEqual({ host: path.join(root, 'nonexistent/dir/sub'), created: true });
    expect(fs.lstatSync(path.join(root, 'x')).isSymbolicLink()).toBe(true);
    expect(fs.statSync(path.join(root, 'nonexistent/dir')).isDirectory()).toBe(true);
    expect(fs.existsSync('/nonexistent')).toBe(false);
  });

  it('mkdir -p through a file is INVALID_ARGUMENT naming the path in the image', async () => {
    const root = dir('mkdir-file');
    put(root, 'file', '');
    link(root, 'x', 'file/y');
    expect(() => mkdirInRoot(root, '/x', { uid: 0, gid: 0 })).toThrow(/^\/file is not a directory in the image \(on the way to \/x\)$/);
  });
});

describe('a stack of layer directories', () => {
  it('takes each component from the topmost layer that has it, links resolved in the stack', async () => {
    const lower = dir('stack1/lower');
    const upper = dir('stack1/upper');
    put(lower, 'usr/share/passwd', 'app:x:1000:1000::/app:/bin/sh\n');
    link(upper, 'etc/passwd', '../usr/share/passwd');
    expect((await readFile(layerStackRoot([upper, lower]), '/etc/passwd'))?.toString()).toBe('app:x:1000:1000::/app:/bin/sh\n');
  });

  it("never follows a layer's link on the host: absolute, climbing, or in a lower layer under an upper directory", async () => {
    const lower = dir('stack2/lower');
    const upper = dir('stack2/upper');
    put(lower, 'etc/group', 'root:x:0:\n');
    link(upper, 'etc', host);
    link(upper, 'rel', '../../../..' + host);
    expect(await readFile(layerStackRoot([upper, lower]), '/etc/passwd')).toBeUndefined();
    expect(await readFile(layerStackRoot([upper, lower]), '/rel/passwd')).toBeUndefined();
    // Upper has a real etc/ (without passwd), the lower layer's etc is a link to the host:
    // the overlay shows only upper's etc, and so must a lookup.
    const top = dir('stack3/top');
    const bottom = dir('stack3/bottom');
    put(top, 'etc/group', 'root:x:0:\n');
    link(bottom, 'etc', host);
    const view = layerStackRoot([top, bottom]);
    expect(await lookup(view, ['etc', 'passwd'])).toBeUndefined();
    expect(await readFile(view, '/etc/passwd')).toBeUndefined();
    expect((await readFile(view, '/etc/group'))?.toString()).toBe('root:x:0:\n');
  });

  it('a whiteout deletes, an opaque directory hides what is below, a file hides a lower directory', async () => {
    const lower = dir('stack4/lower');
    const upper = dir('stack4/upper');
    put(lower, 'gone/file', 'x');
    put(lower, 'opaque/old', 'x');
    put(lower, 'shadow/file', 'x');
    put(lower, 'kept/old', 'old');
    mknod(path.join(upper, 'gone'), fs.constants.S_IFCHR | 0o600, 0, 0);
    put(upper, 'opaque/new', 'new');
    lsetxattr(path.join(upper, 'opaque'), opaqueXattr(), Buffer.from('y'));
    put(upper, 'shadow', 'a file now');
    put(upper, 'kept/new', 'new');
    const view = layerStackRoot([upper, lower]);
    expect(await lookup(view, ['gone'])).toBeUndefined();
    expect(await lookup(view, ['gone', 'file'])).toBeUndefined();
    expect(await lookup(view, ['opaque', 'old'])).toBeUndefined();
    expect((await readFile(view, '/opaque/new'))?.toString()).toBe('new');
    expect(await lookup(view, ['shadow', 'file'])).toBeUndefined();
    expect((await readFile(view, '/kept/old'))?.toString()).toBe('old');
    expect((await readFile(view, '/kept/new'))?.toString()).toBe('new');
  });
});
