import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { MNT_DETACH, S_IFCHR, mknod, mount, mountDataMax, umount } from '../../../native/lib';
import { mountAt, mountsUnder, useMountSandbox } from './mount-sandbox';

const sandbox = useMountSandbox();

function dir(...parts: string[]): string {
  const p = path.join(sandbox.dir, ...parts);
  fs.mkdirSync(p, { recursive: true });
  return p;
}

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Lowers are listed top first, as overlayfs takes them. */
function overlayData(lowers: string[], upper: string, work: string): string {
  return `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}`;
}

describe('overlay', () => {
  it('merges two lower layers under an upper one; a whiteout in a layer hides a file below', () => {
    const bottom = dir('layers', 'bottom');
    const top = dir('layers', 'top');
    write(path.join(bottom, 'base.txt'), 'base');
    write(path.join(bottom, 'shadowed.txt'), 'bottom');
    write(path.join(bottom, 'deleted.txt'), 'deleted by the top layer');
    write(path.join(bottom, 'etc', 'keep.conf'), 'kept');
    write(path.join(top, 'shadowed.txt'), 'top');
    write(path.join(top, 'added.txt'), 'added');
    // What an image layer that deletes a file holds: a 0/0 character device.
    mknod(path.join(top, 'deleted.txt'), S_IFCHR | 0o600, 0, 0);
    const upper = dir('upper');
    const work = dir('work');
    const merged = dir('merged');

    mount('overlay', merged, 'overlay', 0, overlayData([top, bottom], upper, work));

    const info = mountAt(merged);
    expect(info?.fstype).toBe('overlay');
    expect(info?.superOptions).toContain(`upperdir=${upper}`);
    expect(fs.readdirSync(merged).sort()).toEqual(['added.txt', 'base.txt', 'etc', 'shadowed.txt']);
    expect(fs.readFileSync(path.join(merged, 'shadowed.txt'), 'utf8')).toBe('top');
    expect(fs.readFileSync(path.join(merged, 'etc', 'keep.conf'), 'utf8')).toBe('kept');
    expect(() => fs.statSync(path.join(merged, 'deleted.txt'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));

    // Writes land in the upper layer; a deletion there becomes the kernel's own whiteout.
    write(path.join(merged, 'new.txt'), 'container layer');
    fs.rmSync(path.join(merged, 'base.txt'));
    expect(fs.readFileSync(path.join(upper, 'new.txt'), 'utf8')).toBe('container layer');
    const whiteout = fs.lstatSync(path.join(upper, 'base.txt'));
    expect([whiteout.isCharacterDevice(), whiteout.rdev]).toEqual([true, 0]);
    expect(fs.readFileSync(path.join(bottom, 'base.txt'), 'utf8')).toBe('base');

    umount(merged, MNT_DETACH);
    expect(mountsUnder(sandbox.dir)).toEqual([]);
    expect(fs.readdirSync(merged)).toEqual([]);
    expect(fs.readdirSync(upper).sort()).toEqual(['base.txt', 'new.txt']);
  });

  it('the data limit is one page less the NUL', () => {
    const pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }));
    expect(mountDataMax()).toBe(pageSize - 1);
  });

  it('passes a data string of exactly the limit whole: every layer and the trailing workdir count', () => {
    const max = mountDataMax();
    const upper = dir('upper');
    const work = dir('work');
    const merged = dir('merged');
    const prefix = `${dir('layers')}/`;
    const layer = (i: number, length: number): string => prefix + String(i).padStart(3, '0').padEnd(length, 'x');
    // Bytes left for the name of one more layer after `lowers`.
    const room = (lowers: string[]): number => max - Buffer.byteLength(overlayData([...lowers, prefix], upper, work));

    const lowers: string[] = [];
    while (room([...lowers, layer(lowers.length, 100)]) >= 3) lowers.push(layer(lowers.length, 100));
    lowers.push(layer(lowers.length, room(lowers)));
    lowers.forEach((lower, i) => write(path.join(lower, `layer-${i}`), String(i)));
    const data = overlayData(lowers, upper, work);
    expect(Buffer.byteLength(data)).toBe(max);

    mount('overlay', merged, 'overlay', 0, data);
    expect(fs.readdirSync(merged).length).toBe(lowers.length);
    expect(fs.readFileSync(path.join(merged, 'layer-0'), 'utf8')).toBe('0');
    expect(fs.readFileSync(path.join(merged, `layer-${lowers.length - 1}`), 'utf8')).toBe(String(lowers.length - 1));
    expect(mountAt(merged)?.superOptions).toContain(`workdir=${work}`);
    write(path.join(merged, 'written'), 'upper');
    expect(fs.existsSync(path.join(upper, 'written'))).toBe(true);
    umount(merged);
  });

  it('refuses a longer data string with a TypeError (code E2BIG) instead of letting the kernel cut it', () => {
    const merged = dir('merged');
    const max = mountDataMax();
    const tooLong = `lowerdir=${'/x'.repeat(max)}`.slice(0, max + 1);
    const error = (() => {
      try {
        mount('overlay', merged, 'overlay', 0, tooLong);
      } catch (e) {
        return e as TypeError & { code?: string };
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.code).toBe('E2BIG');
    expect(error?.message).toBe(
      `E2BIG: mount data is ${max + 1} bytes, more than the ${max} the kernel reads (one page less the NUL), mount '${merged}'`,
    );
    // Bytes, not characters: half as many two-byte characters are just as long.
    expect(() => mount('overlay', merged, 'overlay', 0, 'é'.repeat((max + 1) / 2))).toThrow(
      expect.objectContaining({ code: 'E2BIG' }),
    );
    expect(mountsUnder(sandbox.dir)).toEqual([]);
  });
});
