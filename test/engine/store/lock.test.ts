// The store's writer lock across processes, with a real flock held by a real writer in
// another process (store-writer.mjs, the built engine): a second writer waits in the kernel
// until the first lets go; a writer killed with SIGKILL frees the lock with its death and
// its leftovers in tmp/ go at the next open; and clearing tmp/ never happens while a live
// writer holds the lock, so its files in progress are safe.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverIfIdle, withFileLock } from '../../../src-main/engine/store/lock';
import { recoverStore } from '../../../src-main/engine/store/recovery';
import { Store } from '../../../src-main/engine/store/store';
import { makeTempDir } from '../../helpers/test-images';
import { type Child, requireBuild, someoneWaitsFor, spawnWriter, until } from './store-fixture';

let work: string;
const children: Child[] = [];

beforeAll(() => {
  requireBuild();
  work = makeTempDir('store-lock');
});

afterAll(async () => {
  for (const child of children) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  fs.rmSync(work, { recursive: true, force: true });
});

function freshRoot(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  return path.join(dir, 'store');
}

async function holder(root: string): Promise<Child> {
  const child = spawnWriter(root, 'hold');
  children.push(child);
  await child.line(/^held$/);
  return child;
}

function stagedFiles(store: Store): string[] {
  return fs.readdirSync(store.paths.tmp);
}

describe('the store lock between processes', () => {
  it('a second writer waits in flock until the writer in another process lets go', async () => {
    const root = freshRoot('blocks');
    const child = await holder(root);
    const store = Store.open(root);
    const order = path.join(root, '..', 'order');
    const mine = store.write(() => fs.appendFileSync(order, 'parent\n'));
    // The kernel says our flock() waits; only then is the holder told to finish.
    await until(() => someoneWaitsFor(store.paths.lock), 'our writer to wait for the lock');
    expect(fs.existsSync(order)).toBe(false);
    child.process.stdin.end('release\n');
    await mine;
    expect(await child.exited).toBe(0);
    expect(fs.readFileSync(order, 'utf8')).toBe('writer\nparent\n');
  });

  it("a holder killed with SIGKILL frees the lock; the next open clears its staging", async () => {
    const root = freshRoot('killed');
    const child = await holder(root);
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    const tmp = path.join(root, 'tmp');
    expect(fs.readdirSync(tmp)).toEqual([`import-${child.process.pid}-held`]);
    const store = Store.open(root); // the kernel dropped the dead writer's flock: recovery may run
    expect(stagedFiles(store)).toEqual([]);
    expect(await store.write(() => 'written')).toBe('written');
  });

  it("recovery never clears tmp/ while a live writer holds the lock; the writer's files survive", async () => {
    const root = freshRoot('live');
    const child = await holder(root);
    const staged = `import-${child.process.pid}-held`;
    // What every other process does on start-up and at every write: try to clear up.
    const store = Store.open(root);
    expect(recoverIfIdle(store.paths, recoverStore)).toBe(false);
    expect(stagedFiles(store)).toEqual([staged]);
    child.process.stdin.end('release\n');
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toContain('intact\n');
    expect(stagedFiles(store)).toEqual([]); // the writer removed its own job directory
  });

  it('processes opening the same new store at once all succeed (the oci-layout marker is staged under the lock)', async () => {
    // Each opener of a new store wrote its marker through tmp/ without the lock while the
    // others, seeing tmp/ not empty, cleared it: a rename then failed with ENOENT.
    const base = path.join(work, 'fresh');
    fs.mkdirSync(base);
    const openers = Array.from({ length: 4 }, () => spawnWriter(base, 'open-fresh', '150'));
    children.push(...openers);
    for (const opener of openers) expect(await opener.exited, opener.stderr()).toBe(0);
    for (let i = 0; i < 150; i++) {
      expect(fs.readFileSync(path.join(base, String(i), 'oci-layout'), 'utf8')).toContain('"imageLayoutVersion": "1.0.0"');
      expect(fs.readdirSync(path.join(base, String(i), 'tmp'))).toEqual([]);
    }
  });

  it('a writer that takes the lock after a dead one clears its leftovers before its own work', async () => {
    const root = freshRoot('takeover');
    const store = Store.open(root);
    const child = await holder(root);
    const mine = store.write(() => stagedFiles(store)); // waits for the holder, then recovers
    await until(() => someoneWaitsFor(store.paths.lock), 'our writer to wait for the lock');
    child.process.kill('SIGKILL');
    expect(await mine).toEqual([]);
  });

  it('a holder that removes its lock file lets a waiter take a new one, never the removed inode', async () => {
    const file = path.join(work, 'removed.lock');
    const order: string[] = [];
    let waiter: Promise<void> | undefined;
    await withFileLock(file, async () => {
      // Same process, another open file: flock makes it wait as another process would.
      waiter = withFileLock(file, () => {
        order.push('waiter');
        // On the removed inode the path would name nothing: the waiter re-opened (and made) the file.
        expect(fs.existsSync(file), 'the waiter holds the file now named, not the removed one').toBe(true);
      });
      await until(() => someoneWaitsFor(file), 'the waiter to wait in flock');
      fs.rmSync(file);
      order.push('holder removed the file');
    });
    await waiter;
    expect(order).toEqual(['holder removed the file', 'waiter']);
  });
});
