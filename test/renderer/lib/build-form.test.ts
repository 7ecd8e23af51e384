// The Build dialog's rules (src-renderer/src/lib/build-form.ts) and the build-arg name rule
// it shares with the API and the CLI (@shared/build-input): rows → build args with a message
// per wrong row, the target choices from a Containerfile's stages, the editor's starter text.
import { describe, expect, it } from 'vitest';
import { buildArgNameProblem, containerfileTextProblem, MAX_CONTAINERFILE_TEXT } from '@shared/build-input';
import type { ImageInfo } from '@shared/api/types/images';
import { checkBuildArgs, starterContainerfile, targetChoices } from '../../../src-renderer/src/lib/build-form';

describe('build-arg names', () => {
  it('are what $NAME can expand', () => {
    expect(['A', '_x', 'HTTP_PROXY', 'v2'].map(buildArgNameProblem)).toEqual([undefined, undefined, undefined, undefined]);
    expect(buildArgNameProblem('')).toBe('A name is needed.');
    expect(buildArgNameProblem('2X')).toBe('A name starts with a letter or _.');
    expect(buildArgNameProblem('MY-ARG')).toBe('"-" can not be in a name: letters, digits and _ only.');
    expect(buildArgNameProblem('A B')).toBe('A space can not be in a name: letters, digits and _ only.');
  });

  it('a Containerfile text must say something, and not too much', () => {
    expect(containerfileTextProblem('FROM a\n')).toBeUndefined();
    expect(containerfileTextProblem(' \n')).toMatch(/empty/);
    expect(containerfileTextProblem('#'.repeat(MAX_CONTAINERFILE_TEXT + 1))).toMatch(/too long/);
  });
});

describe('checkBuildArgs', () => {
  it('skips blank rows, keeps values as typed (spaces, =, empty), names a wrong or repeated name at its row', () => {
    const rows = [
      { id: 1, name: ' VERSION ', value: '1.2 beta=x' },
      { id: 2, name: '', value: '' },
      { id: 3, name: 'EMPTY', value: '' },
      { id: 4, name: 'bad-name', value: 'x' },
      { id: 5, name: 'VERSION', value: '2' },
      { id: 6, name: '', value: 'orphan' },
    ];
    expect(checkBuildArgs(rows)).toEqual({
      args: { VERSION: '1.2 beta=x', EMPTY: '' },
      problems: { 4: '"-" can not be in a name: letters, digits and _ only.', 5: 'VERSION is given above already.', 6: 'A name is needed.' },
    });
  });
});

describe('targetChoices', () => {
  it('the last stage by default, then every other named stage with what it starts from', () => {
    const stages = [
      { index: 0, name: 'build', from: '${BASE}', line: 2 },
      { index: 1, from: 'scratch', line: 5 },
      { index: 2, name: 'final', from: 'build', line: 7 },
    ];
    expect(targetChoices(stages)).toEqual([
      { value: '', label: 'Last stage (final): the whole file' },
      { value: 'build', label: 'build — FROM ${BASE}, line 2' },
    ]);
    expect(targetChoices([{ index: 0, from: 'a', line: 1 }])).toEqual([{ value: '', label: 'Last stage: the whole file' }]);
  });
});

describe('starterContainerfile', () => {
  const image = (id: string, tags: string[]) => ({ id, tags }) as unknown as ImageInfo;
  it('starts FROM the first tagged image, else an ID, else scratch', () => {
    expect(starterContainerfile([image('sha256:1', []), image('sha256:2', ['app:1', 'app:latest'])]).split('\n')[0]).toBe('FROM app:1');
    expect(starterContainerfile([image('sha256:1', [])]).split('\n')[0]).toBe('FROM sha256:1');
    expect(starterContainerfile([]).split('\n')[0]).toBe('FROM scratch');
  });
});
