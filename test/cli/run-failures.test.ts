// `strata run` with input it cannot run (issue 12, defect 7): each fails with its code and
// leaves no container behind — refused before anything is written, or, when only the
// runtime can tell (a file bound over a directory), removed after the failed start.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';

let work: string;
let root: string;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function expectNoContainers(): void {
  expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]);
  expect(fs.readdirSync(path.join(root, 'containers'))).toEqual([]);
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root);
}

beforeAll(() => {
  work = makeTempDir('cli-run-failures');
  root = path.join(work, 'store');
  const { a } = testImages(work);
  expect(strata('import', writeDockerArchive(work, [a])).code).toBe(0);
});

afterAll(() => {
  const left = JSON.parse(strata('ps', '-a', '--json').stdout) as { id: string }[];
  if (left.length) strata('rm', '-f', ...left.map((c) => c.id));
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('strata run refuses bad input and leaves nothing', () => {
  it.each([
    [['-u', 'nosuchuser', 'test/a:1', 'true'], 'strata run: unable to find user nosuchuser: no matching entries in passwd file [NOT_FOUND]\n'],
    [['-w', 'relative', 'test/a:1', 'true'], 'strata run: -w "relative": the working directory must be an absolute path [INVALID_ARGUMENT]\n'],
    [['test/a:1', ''], 'strata run: the command is an empty string: give a program to run [INVALID_ARGUMENT]\n'],
    [['--pids-limit', '99999999999999999999', 'test/a:1', 'true'], 'strata run: --pids-limit 99999999999999999999: the range is -1 to 4194304 [INVALID_ARGUMENT]\n'],
    [['--pids-limit', '5000000', 'test/a:1', 'true'], 'strata run: --pids-limit 5000000: the range is -1 to 4194304 [INVALID_ARGUMENT]\n'],
    [['--cpu-shares', '1', 'test/a:1', 'true'], 'strata run: --cpu-shares 1: the range is 2 to 262144 [INVALID_ARGUMENT]\n'],
  ])('%j', (args, stderr) => {
    expect(strata('run', ...args)).toEqual({ code: 1, stdout: '', stderr });
    expectNoContainers();
  });

  it('a start the runtime refuses removes the container, with or without --rm', () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'not a directory\n');
    for (const rm of [[], ['--rm']]) {
      // No bridge here: the engine's run-rollback test checks the network's release by id.
      const result = strata('run', ...rm, '--name', 'late', '--network', 'none', '-v', `${file}:/app`, 'test/a:1', 'true');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^strata run: start late: .*Not a directory\n$/);
      expectNoContainers();
    }
  });

  it('a program that is not there exits 127 and leaves no container either', () => {
    expect(strata('run', 'test/a:1', 'nosuch')).toMatchObject({ code: 127, stderr: expect.stringMatching(/exec nosuch: not found/) });
    expectNoContainers();
  });
});
