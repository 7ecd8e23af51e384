// The rootless engine's log kept small: at a start, a log past its bound becomes
// service.log.1 (the older one replaced); a smaller one, or none, stays as it is.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rotateServiceLog } from '../../src-main/connections/service-log';
import { makeTempDir } from '../helpers/test-images';

const dir = makeTempDir('service-log');
const log = path.join(dir, 'service.log');

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rotateServiceLog', () => {
  it('leaves no log and a small log as they are', () => {
    expect(rotateServiceLog(log, 100)).toBe(false);
    fs.writeFileSync(log, 'x'.repeat(100));
    expect(rotateServiceLog(log, 100)).toBe(false);
    expect(fs.readFileSync(log, 'utf8')).toHaveLength(100);
    expect(fs.existsSync(`${log}.1`)).toBe(false);
  });

  it('moves a log past the bound to service.log.1, replacing the older one', () => {
    fs.writeFileSync(`${log}.1`, 'the oldest\n');
    fs.writeFileSync(log, 'y'.repeat(101));
    expect(rotateServiceLog(log, 100)).toBe(true);
    expect(fs.existsSync(log)).toBe(false);
    expect(fs.readFileSync(`${log}.1`, 'utf8')).toBe('y'.repeat(101));
  });
});
