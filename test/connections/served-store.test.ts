// The file beside the system engine's socket that says which store it serves
// (served-store.ts): believed only when the socket and the file are both root's.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeServedStore, servedStore, servedStoreFile, writeServedStore } from '../../src-main/connections/served-store';
import { makeTempDir } from '../helpers/test-images';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('served-store: the ownership cases skipped — they chown files: run the tests as root');

let work: string;
let socketPath: string;
let server: net.Server;

beforeAll(async () => {
  work = makeTempDir('served-store');
  socketPath = path.join(work, 'strata.sock');
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(work, { recursive: true, force: true });
});

describe('served store', () => {
  it('is written whole beside the socket, read back as an absolute path, and removed', () => {
    writeServedStore(socketPath, path.join(work, 'a', '..', 'store'));
    expect(fs.readFileSync(servedStoreFile(socketPath), 'utf8')).toBe(`${path.join(work, 'store')}\n`);
    expect(fs.readdirSync(work).sort()).toEqual(['strata.sock', 'strata.sock.store']);
    if (isRoot) expect(servedStore(socketPath)).toBe(path.join(work, 'store'));
    removeServedStore(socketPath);
    expect(servedStore(socketPath)).toBeUndefined();
    removeServedStore(socketPath); // gone already: fine
  });

  it('is not believed without a socket, from a relative path, or from a file or socket that is not root\'s', () => {
    const plain = path.join(work, 'not-a-socket');
    fs.writeFileSync(plain, '');
    writeServedStore(plain, '/var/lib/strata');
    expect(servedStore(plain)).toBeUndefined();

    fs.writeFileSync(servedStoreFile(socketPath), 'relative/store\n');
    expect(servedStore(socketPath)).toBeUndefined();
    if (!isRoot) return;

    writeServedStore(socketPath, '/var/lib/strata');
    expect(servedStore(socketPath)).toBe('/var/lib/strata');
    fs.chownSync(servedStoreFile(socketPath), 1001, 1001);
    expect(servedStore(socketPath)).toBeUndefined();
    fs.chownSync(servedStoreFile(socketPath), 0, 0);
    fs.chownSync(socketPath, 1001, 1001);
    expect(servedStore(socketPath)).toBeUndefined();
    fs.chownSync(socketPath, 0, 0);
    expect(servedStore(socketPath)).toBe('/var/lib/strata');
  });
});
