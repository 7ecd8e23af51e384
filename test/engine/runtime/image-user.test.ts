import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveUser } from '../../../src-main/engine/runtime/image-user';
import { StrataError } from '@shared/errors';

// The fixture files are written to a temporary rootfs and read the way the engine reads an
// image's files: by absolute path inside the image, undefined when absent.
const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment line',
  '   # an indented comment',
  '',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'app:x:1000:1000:App User,,,:/home/app:/bin/sh',
  'nohome:x:1001:1001::',
  'short:x:1002',
  'badid:x:notanumber:1:bad:/bad:/bin/sh',
  'huge:x:99999999999:1:huge:/huge:/bin/sh',
  ':x:1003:1003:no name:/x:/bin/sh',
  'crlf:x:1004:1004:dos line:/home/crlf:/bin/sh\r',
  'junk line without colons',
  '2000:x:3000:3000:numeric name:/home/numeric:/bin/sh',
  'dup:x:1005:1005:first:/first:/bin/sh',
  'dup:x:1006:1006:second:/second:/bin/sh',
  '',
].join('\n');

const GROUP = [
  'root:x:0:',
  '# comment',
  'bin:x:1:root,daemon',
  'app:x:1000:',
  'staff:x:50:app, other ,',
  'docker:x:999:other,app',
  'nohome:x:1001:',
  'dupgroup:x:999:app',
  'short:x:1002',
  'bad:x:notanumber:app',
  'wheel:x:10:root',
  'tiny',
  '',
].join('\n');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-image-user-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rootfs(files: Record<string, string>): (absPath: string) => Buffer | undefined {
  const root = fs.mkdtempSync(path.join(dir, 'rootfs-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return (absPath) => {
    const file = path.join(root, absPath);
    return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  };
}

const image = rootfs({ 'etc/passwd': PASSWD, 'etc/group': GROUP });
const bare = rootfs({});

describe('resolveUser against the image passwd and group files', () => {
  it.each([
    [undefined, { uid: 0, gid: 0, additionalGids: [1, 10], home: '/root' }],
    ['', { uid: 0, gid: 0, additionalGids: [1, 10], home: '/root' }],
    ['root', { uid: 0, gid: 0, additionalGids: [1, 10], home: '/root' }],
    ['0', { uid: 0, gid: 0, additionalGids: [1, 10], home: '/root' }],
    ['app', { uid: 1000, gid: 1000, additionalGids: [50, 999], home: '/home/app' }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [50, 999], home: '/home/app' }],
    ['daemon', { uid: 1, gid: 1, additionalGids: [], home: '/usr/sbin' }],
    ['app:staff', { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' }],
    ['app:50', { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' }],
    ['app:4242', { uid: 1000, gid: 4242, additionalGids: [], home: '/home/app' }],
    ['1000:1000', { uid: 1000, gid: 1000, additionalGids: [], home: '/home/app' }],
    ['1000:docker', { uid: 1000, gid: 999, additionalGids: [], home: '/home/app' }],
    ['4242', { uid: 4242, gid: 0, additionalGids: [], home: '/' }],
    ['4242:4343', { uid: 4242, gid: 4343, additionalGids: [], home: '/' }],
    ['4242:staff', { uid: 4242, gid: 50, additionalGids: [], home: '/' }],
    [':staff', { uid: 0, gid: 50, additionalGids: [], home: '/root' }],
    ['nohome', { uid: 1001, gid: 1001, additionalGids: [], home: '/' }],
    ['short', { uid: 1002, gid: 0, additionalGids: [], home: '/' }],
    ['crlf', { uid: 1004, gid: 1004, additionalGids: [], home: '/home/crlf' }],
    ['2000', { uid: 3000, gid: 3000, additionalGids: [], home: '/home/numeric' }], // a name wins over a uid
    ['3000', { uid: 3000, gid: 3000, additionalGids: [], home: '/home/numeric' }],
    ['dup', { uid: 1005, gid: 1005, additionalGids: [], home: '/first' }], // the first entry wins
  ])('%j', (spec, user) => {
    expect(resolveUser(spec, image)).toEqual(user);
  });

  it('needs no files for numeric ids and root', () => {
    expect(resolveUser(undefined, bare)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/root' });
    expect(resolveUser('0', bare)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/' });
    expect(resolveUser('123:456', bare)).toEqual({ uid: 123, gid: 456, additionalGids: [], home: '/' });
  });

  it.each([
    ['nobody', image, 'NOT_FOUND', /^unable to find user nobody: no matching entries in passwd file$/],
    ['app', bare, 'NOT_FOUND', /^unable to find user app: no matching entries in passwd file$/],
    ['badid', image, 'NOT_FOUND', /unable to find user badid/],
    ['huge', image, 'NOT_FOUND', /unable to find user huge/],
    ['app:nogroup', image, 'NOT_FOUND', /^unable to find group nogroup: no matching entries in group file$/],
    ['0:staff', bare, 'NOT_FOUND', /unable to find group staff/],
    ['1:2:3', image, 'INVALID_ARGUMENT', /expected user\[:group\]/],
    ['app ', image, 'INVALID_ARGUMENT', /expected user\[:group\]/],
    ['99999999999', image, 'INVALID_ARGUMENT', /user id 99999999999 is out of range/],
    ['0:99999999999', image, 'INVALID_ARGUMENT', /group id 99999999999 is out of range/],
  ])('%j is refused', (spec, files, code, pattern) => {
    let thrown: unknown;
    try {
      resolveUser(spec, files);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StrataError);
    expect((thrown as StrataError).code).toBe(code);
    expect((thrown as StrataError).message).toMatch(pattern);
  });

  it('survives binary junk and files without a trailing newline', () => {
    const odd = rootfs({ 'etc/passwd': '\0\0\n:::::\nweird:x:7:8:w:/w:/bin/sh', 'etc/group': 'g:x:9:weird' });
    expect(resolveUser('weird', odd)).toEqual({ uid: 7, gid: 8, additionalGids: [9], home: '/w' });
  });
});
