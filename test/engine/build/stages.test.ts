import { describe, expect, it } from 'vitest';
import { parseContainerfile } from '../../../src-main/engine/build/containerfile-parser';
import { resolveStages, type StageOptions } from '../../../src-main/engine/build/stages';
import { BuildArgs } from '../../../src-main/engine/build/variables';
import { isStrataError } from '@shared/errors';

const stagesOf = (text: string, options: StageOptions = {}) => resolveStages(parseContainerfile(text), options);

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

const MULTI = [
  'ARG GO=1.22', //                          1
  'FROM golang:${GO} AS Build', //           2  stage 0
  'RUN make', //                             3
  'FROM scratch AS assets', //               4  stage 1
  'COPY logo.png /', //                      5
  'FROM debian AS unused', //                6  stage 2
  'RUN true', //                             7
  'FROM build AS test', //                   8  stage 3 (base: stage 0)
  'RUN make test', //                        9
  'FROM alpine', //                         10  stage 4
  'COPY --from=BUILD /out/app /usr/bin/', // 11
  'COPY --from=1 /logo.png /srv/', //       12
].join('\n');

describe('stages', () => {
  it('splits at FROM, resolves bases, names and COPY --from, and keeps only what the target needs', () => {
    const graph = stagesOf(MULTI);
    expect(graph.metaArgs).toHaveLength(1);
    expect(graph.stages.map((stage) => [stage.index, stage.name, stage.base, stage.dependsOn])).toEqual([
      [0, 'build', { kind: 'image', ref: 'golang:1.22' }, []],
      [1, 'assets', { kind: 'scratch' }, []],
      [2, 'unused', { kind: 'image', ref: 'debian' }, []],
      [3, 'test', { kind: 'stage', index: 0 }, [0]],
      [4, undefined, { kind: 'image', ref: 'alpine' }, [0, 1]],
    ]);
    expect(graph.target).toBe(4);
    expect(graph.needed).toEqual([0, 1, 4]);
    const last = graph.stages[4]!;
    expect([...last.copyFrom.values()]).toEqual([0, 1]);
    expect(last.instructions.map((instruction) => instruction.line)).toEqual([11, 12]);
  });

  it('--target picks a stage (case-insensitively) and what it needs', () => {
    const graph = stagesOf(MULTI, { target: 'TEST' });
    expect(graph.target).toBe(3);
    expect(graph.needed).toEqual([0, 3]);
    expect(errorOf(() => stagesOf(MULTI, { target: 'nope' }))).toBe('--target nope: no stage has that name (stages: build, assets, unused, test)');
  });

  it('expands FROM with global ARGs and build-args only', () => {
    const graph = stagesOf('ARG TAG=3.19\nARG IMAGE=alpine:${TAG}\nFROM ${IMAGE}\nARG LOCAL=x\nFROM ${LOCAL:-fallback}', {
      buildArgs: new BuildArgs({ TAG: '3.20' }),
    });
    expect(graph.stages.map((stage) => stage.base)).toEqual([
      { kind: 'image', ref: 'alpine:3.20' },
      { kind: 'image', ref: 'fallback' }, // a stage ARG is not visible to a later FROM
    ]);
    expect(graph.metaValues.get('IMAGE')).toBe('alpine:3.20');
  });

  it('offers the platform ARGs to FROM lines', () => {
    const graph = stagesOf('FROM --platform=$BUILDPLATFORM img-$TARGETARCH', { architecture: 'arm64' });
    expect(graph.stages[0]).toMatchObject({ platform: 'linux/arm64', base: { kind: 'image', ref: 'img-arm64' } });
  });

  it('refuses an empty FROM after expansion', () => {
    expect(errorOf(() => stagesOf('ARG IMAGE\nFROM $IMAGE'))).toBe('line 2: FROM $IMAGE expands to an empty image name (is the ARG set?)');
  });

  it('a FROM naming a later stage means an image of that name, as in Docker', () => {
    const graph = stagesOf('FROM later\nFROM alpine AS later');
    expect(graph.stages[0]!.base).toEqual({ kind: 'image', ref: 'later' });
  });

  it('refuses COPY --from a later, unknown, own or out-of-range stage', () => {
    expect(errorOf(() => stagesOf('FROM a AS one\nCOPY --from=two /x /y\nFROM b AS two'))).toBe(
      'line 2: COPY --from=two: that stage is defined later, at line 3; a stage can only copy from stages above it',
    );
    expect(errorOf(() => stagesOf('FROM a AS one\nCOPY --from=1 /x /y\nFROM b'))).toMatch(/^line 2: COPY --from=1: that stage is defined later/);
    expect(errorOf(() => stagesOf('FROM a AS one\nCOPY --from=one /x /y'))).toBe('line 2: COPY --from=one: a stage can not copy from itself');
    expect(errorOf(() => stagesOf('FROM a\nCOPY --from=7 /x /y'))).toBe('line 2: COPY --from=7: there are only 1 stages (numbered from 0)');
    expect(errorOf(() => stagesOf('FROM a\nCOPY --from=nginx:latest /x /y'))).toMatch(/^line 2: COPY --from=nginx:latest: no stage has that name/);
  });

  it('expands COPY --from with global ARGs', () => {
    const graph = stagesOf('ARG SRC=builder\nFROM a AS builder\nFROM b\nCOPY --from=$SRC /x /y');
    expect([...graph.stages[1]!.copyFrom.values()]).toEqual([0]);
  });

  it('refuses bad and duplicate stage names', () => {
    expect(errorOf(() => stagesOf('FROM a AS 1st'))).toMatch(/^line 1: invalid stage name "1st"/);
    expect(errorOf(() => stagesOf('FROM a AS x\nFROM b AS X'))).toBe('line 2: stage name "x" is already used by the stage at line 1');
    expect(errorOf(() => stagesOf('FROM a AS scratch'))).toMatch(/reserved/);
  });

  it('follows dependencies transitively', () => {
    const graph = stagesOf('FROM a AS s0\nFROM b AS s1\nCOPY --from=s0 / /\nFROM c AS s2\nFROM s1 AS s3\nFROM d\nCOPY --from=s3 / /');
    expect(graph.needed).toEqual([0, 1, 3, 4]);
  });
});
