import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH } from '../../../src-main/engine/images/changes';
import type { RunConfig } from '../../../src-main/engine/images/oci';
import { applyConfigStep, planBuild, type ConfigStep, type PlanOptions } from '../../../src-main/engine/build/plan';
import { isStrataError, type ErrorCode } from '@shared/errors';

function failure(run: () => unknown): { code: ErrorCode; message: string } {
  try {
    run();
  } catch (error) {
    if (isStrataError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a StrataError');
}

const BASES: Record<string, RunConfig> = {
  'debian:12': { Env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'LANG=C'], Cmd: ['bash'], WorkingDir: '' },
};
const options = (extra: PlanOptions = {}): PlanOptions => ({ baseConfig: (ref) => BASES[ref], architecture: 'amd64', ...extra });
const lastStage = (text: string, extra: PlanOptions = {}) => {
  const plan = planBuild(text, options(extra));
  return plan.stages[plan.stages.length - 1]!;
};

describe('build plan', () => {
  it('plans a single stage: kinds, history, empty layers, final config', () => {
    const stage = lastStage(
      [
        '# syntax=docker/dockerfile:1.7',
        'FROM debian:12',
        'ARG VERSION=1.0',
        'ENV APP_HOME=/opt/app \\',
        '    GREETING="hello world"',
        'WORKDIR $APP_HOME',
        'COPY --chown=app:app --chmod=755 bin/ ./bin/',
        'RUN ./bin/setup --version=$VERSION',
        'RUN ["./bin/check", "$VERSION"]',
        'LABEL org.opencontainers.image.version=$VERSION',
        'EXPOSE 8080 9000-9001/udp',
        'VOLUME /data',
        'USER app',
        'STOPSIGNAL term',
        'ENTRYPOINT ["./bin/app"]',
      ].join('\n'),
    );
    expect(stage.steps.map((step) => [step.line, step.kind, step.createdBy, step.emptyLayer])).toEqual([
      [3, 'config', 'ARG VERSION=1.0', true],
      [4, 'config', 'ENV APP_HOME=/opt/app GREETING=hello world', true],
      [6, 'config', 'WORKDIR /opt/app', true],
      [7, 'copy', 'COPY --chown=app:app --chmod=755 bin/ ./bin/', false],
      [8, 'run', 'RUN |1 VERSION=1.0 /bin/sh -c ./bin/setup --version=$VERSION', false],
      [9, 'run', 'RUN |1 VERSION=1.0 ./bin/check $VERSION', false],
      [10, 'config', 'LABEL org.opencontainers.image.version=1.0', true],
      [11, 'config', 'EXPOSE 8080/tcp 9000/udp 9001/udp', true],
      [12, 'config', 'VOLUME ["/data"]', true],
      [13, 'config', 'USER app', true],
      [14, 'config', 'STOPSIGNAL SIGTERM', true],
      [15, 'config', 'ENTRYPOINT ["./bin/app"]', true],
    ]);
    expect(stage.steps[3]).toMatchObject({ sources: ['bin/'], dest: '/opt/app/bin', destIsDir: true, chown: 'app:app', chmod: 0o755 });
    expect(stage.steps[4]).toMatchObject({
      argv: ['/bin/sh', '-c', './bin/setup --version=$VERSION'], // the shell expands it, not the planner
      env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'LANG=C', 'APP_HOME=/opt/app', 'GREETING=hello world', 'VERSION=1.0'],
      workdir: '/opt/app',
      cacheArgs: [['VERSION', '1.0']],
    });
    expect(stage.steps[4]).not.toHaveProperty('user');
    expect(stage.config).toEqual({
      Env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'LANG=C', 'APP_HOME=/opt/app', 'GREETING=hello world'],
      WorkingDir: '/opt/app',
      Labels: { 'org.opencontainers.image.version': '1.0' },
      ExposedPorts: { '8080/tcp': {}, '9000/udp': {}, '9001/udp': {} },
      Volumes: { '/data': {} },
      User: 'app',
      StopSignal: 'SIGTERM',
      Entrypoint: ['./bin/app'], // ENTRYPOINT without a CMD in the stage drops the base's CMD
    });
    expect(stage.baseConfig).toEqual(BASES['debian:12']);
  });

  it('carries notes and warnings', () => {
    const plan = planBuild('# syntax=docker/dockerfile:1\nFROM --platform=linux/s390x scratch\nENV A b\nRUN \\\n\n true', options({ buildArgs: { NOPE: '1', HTTP_PROXY: 'x' } }));
    expect(plan.notes).toEqual([expect.stringMatching(/ignoring the "# syntax=docker\/dockerfile:1" directive/)]);
    expect(plan.warnings).toEqual([
      expect.stringMatching(/^line 3: "ENV key value" is a legacy form/),
      expect.stringMatching(/^line 4: empty continuation/),
      'line 2: --platform=linux/s390x ignored; strata builds for linux/amd64',
      'build-args not consumed by any ARG in the stages built: NOPE',
    ]);
  });

  it('round-trips awkward ENV and LABEL values through applyChanges', () => {
    const stage = lastStage(
      'FROM scratch\nENV Q="say \\"hi\\"" B=\'back\\slash\' D="\\$HOME" E= S="  padded  " N="multi\\\n  line"\nLABEL "com.example.key"="a=b c" empty=""',
    );
    expect(stage.config.Env).toEqual([DEFAULT_PATH, 'Q=say "hi"', 'B=back\\slash', 'D=$HOME', 'E=', 'S=  padded  ', 'N=multi  line']);
    expect(stage.config.Labels).toEqual({ 'com.example.key': 'a=b c', empty: '' });
  });

  it('expands against the state before the line: ENV A=2 B=$A gives B the old A', () => {
    const stage = lastStage('FROM scratch\nENV A=1\nENV A=2 B=$A\nENV C=${A}');
    expect(stage.config.Env).toEqual([DEFAULT_PATH, 'A=2', 'B=1', 'C=2']);
  });

  it('ENV overrides ARG in expansion and in the RUN environment; the history shows the effective value', () => {
    const stage = lastStage('FROM scratch\nARG V=arg\nENV V=env\nRUN echo\nWORKDIR /$V', { buildArgs: { V: 'given' } });
    const run = stage.steps[2]!;
    expect(run).toMatchObject({ kind: 'run', createdBy: 'RUN |1 V=env /bin/sh -c echo' });
    expect(run.kind === 'run' && run.env.filter((entry) => entry.startsWith('V='))).toEqual(['V=env']);
    expect(stage.config.WorkingDir).toBe('/env');
  });

  it('only declared ARGs take build-args; ARG without default gets the build-arg or stays unset', () => {
    const stage = lastStage('FROM scratch\nARG A\nARG B\nRUN true\nLABEL a=$A b=${B:-unset} c=$C', { buildArgs: { A: 'x', C: 'y' } });
    expect(stage.config.Labels).toEqual({ a: 'x', b: 'unset', c: '' });
    expect(stage.steps[2]).toMatchObject({ createdBy: 'RUN |1 A=x /bin/sh -c true', cacheArgs: [['A', 'x']] });
  });

  it('global ARGs reach a stage only through an ARG line there', () => {
    const stage = lastStage('ARG V=global\nFROM scratch\nLABEL before=$V\nARG V\nLABEL after=$V');
    expect(stage.config.Labels).toEqual({ before: '', after: 'global' });
  });

  it('proxy build-args reach RUN without an ARG but stay out of history and cache args', () => {
    const stage = lastStage('FROM scratch\nRUN apk add x', { buildArgs: { https_proxy: 'http://proxy:3128' } });
    expect(stage.steps[0]).toMatchObject({ createdBy: 'RUN /bin/sh -c apk add x', cacheArgs: [], env: [DEFAULT_PATH, 'https_proxy=http://proxy:3128'] });
  });

  it('gives RUN a default PATH when the image has none, and the USER in effect', () => {
    const stage = lastStage('FROM bare\nUSER 1000:1000\nRUN id', { baseConfig: () => ({}) });
    expect(stage.steps[1]).toMatchObject({ env: [DEFAULT_PATH], user: '1000:1000', workdir: '/' });
  });

  it('resolves WORKDIR and COPY destinations against the current WORKDIR', () => {
    const stage = lastStage('FROM scratch\nWORKDIR /a\nWORKDIR b/../c\nCOPY x .\nCOPY y z\nCOPY y ../up/\nCOPY p q /abs/');
    expect(stage.config.WorkingDir).toBe('/a/c');
    const copies = stage.steps.filter((step) => step.kind === 'copy').map((step) => step.kind === 'copy' && [step.dest, step.destIsDir]);
    expect(copies).toEqual([['/a/c', true], ['/a/c/z', false], ['/a/up', true], ['/abs', true]]);
  });

  it('CMD and ENTRYPOINT: shell form wraps in /bin/sh -c; a CMD before ENTRYPOINT survives it', () => {
    const stage = lastStage('FROM debian:12\nCMD serve --port 80\nENTRYPOINT ["tini", "--"]');
    expect(stage.config.Cmd).toEqual(['/bin/sh', '-c', 'serve --port 80']);
    expect(stage.config.Entrypoint).toEqual(['tini', '--']);
    expect(stage.steps.map((step) => step.createdBy)).toEqual(['CMD ["/bin/sh","-c","serve --port 80"]', 'ENTRYPOINT ["tini","--"]']);
    expect(lastStage('FROM debian:12\nENTRYPOINT ["x"]\nCMD ["y"]').config).toMatchObject({ Entrypoint: ['x'], Cmd: ['y'] });
  });

  it('COPY --from records the stage index and the name as written', () => {
    const plan = planBuild('FROM scratch AS build\nCOPY a /out/a\nFROM debian:12\nCOPY --from=build /out/a /usr/bin/a', options());
    expect(plan.stages.map((stage) => stage.index)).toEqual([0, 1]);
    expect(plan.stages[1]!.steps[0]).toMatchObject({ kind: 'copy', from: 0, createdBy: 'COPY --from=build /out/a /usr/bin/a', dest: '/usr/bin/a', destIsDir: false });
  });

  it('a stage based on another starts from its final config, with its own CMD state', () => {
    const plan = planBuild('FROM debian:12 AS base\nENV A=1\nCMD ["base"]\nFROM base\nENTRYPOINT ["e"]', options());
    expect(plan.stages[1]!.baseConfig).toMatchObject({ Env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'LANG=C', 'A=1'], Cmd: ['base'] });
    expect(plan.stages[1]!.config.Cmd).toBeUndefined();
    expect(plan.stages[0]!.config.Cmd).toEqual(['base']); // the earlier stage is not touched
  });

  it('skips stages the target does not need', () => {
    const plan = planBuild('FROM scratch AS a\nRUN a\nFROM scratch AS b\nRUN b\nFROM scratch\nCOPY --from=a / /', options());
    expect(plan.stages.map((stage) => stage.name ?? stage.index)).toEqual(['a', 2]);
    expect(plan.target).toBe(2);
  });

  it('ARG defaults can use earlier ARGs and ENV; history shows the declaration, not build-arg values', () => {
    const stage = lastStage('FROM scratch\nENV BASE=/srv\nARG DIR=$BASE/app TOKEN\nWORKDIR $DIR', { buildArgs: { TOKEN: 's3cret' } });
    expect(stage.steps[1]!.createdBy).toBe('ARG DIR=/srv/app TOKEN');
    expect(stage.config.WorkingDir).toBe('/srv/app');
  });

  it('JSON-form COPY keeps quotes literal but still expands $VARs', () => {
    const stage = lastStage('FROM scratch\nARG F=name\nCOPY ["it\'s $F.txt", "/dest dir/"]');
    expect(stage.steps[1]).toMatchObject({ sources: ["it's name.txt"], dest: '/dest dir', destIsDir: true });
  });

  it('escape directive applies to expansion', () => {
    const stage = lastStage('# escape=`\nFROM scratch\nENV P=C:\\tools Q=`$HOME');
    expect(stage.config.Env).toEqual([DEFAULT_PATH, 'P=C:\\tools', 'Q=$HOME']);
  });

  it.each([
    ['COPY a b /dest', 'INVALID_ARGUMENT', 'line 2: COPY with several sources needs a directory destination ending in "/" (got /dest)'],
    ['COPY --chown="a b" x /y', 'INVALID_ARGUMENT', 'line 2: COPY --chown=a b: expected user[:group]'],
    ['COPY --chmod=u+x x /y', 'INVALID_ARGUMENT', 'line 2: COPY --chmod=u+x: expected an octal mode such as 755 or 0644'],
    ['ADD https://example.com/x.tgz /x', 'UNSUPPORTED', 'line 2: ADD https://example.com/x.tgz: adding from a URL is not supported by strata build yet; download it into the build context first'],
    ['EXPOSE 80/tcp http', 'INVALID_ARGUMENT', 'line 2: EXPOSE: bad port "http" (expected PORT[/PROTO] or FIRST-LAST[/PROTO])'],
    ['EXPOSE 90-80', 'INVALID_ARGUMENT', 'line 2: EXPOSE: bad port range 90-80'],
    ['EXPOSE 80/quic', 'INVALID_ARGUMENT', 'line 2: EXPOSE: bad port 80/quic'],
    ['VOLUME relative', 'INVALID_ARGUMENT', 'line 2: VOLUME: VOLUME paths must be absolute'],
    ['USER $NOBODY', 'INVALID_ARGUMENT', 'line 2: USER is empty after expansion'],
    ['USER a b', 'INVALID_ARGUMENT', 'line 2: USER: USER takes one name or uid[:gid]'],
    ['STOPSIGNAL 9x', 'INVALID_ARGUMENT', 'line 2: STOPSIGNAL: unknown signal "9x"'],
    ['STOPSIGNAL SIGFOO', 'INVALID_ARGUMENT', 'line 2: STOPSIGNAL: unknown signal "SIGFOO"'],
    ['RUN []', 'INVALID_ARGUMENT', 'line 2: RUN needs a command'],
    ['ENV X=${A:?need_A}', 'INVALID_ARGUMENT', 'line 2: A: need_A'],
    ['ENV "a b"=1', 'INVALID_ARGUMENT', 'line 2: ENV: invalid name "a b"'],
  ])('%s → %s', (line, code, message) => {
    expect(failure(() => planBuild(`FROM scratch\n${line}`, options()))).toEqual({ code, message });
  });

  it('an image missing from the store is NOT_FOUND, named with its line', () => {
    expect(failure(() => planBuild('FROM scratch\nFROM ghost:1', options()))).toEqual({
      code: 'NOT_FOUND',
      message: 'line 2: FROM ghost:1: no such image in the store (pull or import it first)',
    });
  });

  it('applyConfigStep does not mutate its input', () => {
    const step: ConfigStep = { kind: 'config', line: 1, keyword: 'ENV', createdBy: '', emptyLayer: true, cacheText: '', cacheArgs: [], changes: ['ENV A="1"'], resetCmd: true };
    const before: RunConfig = { Env: ['B=2'], Cmd: ['x'] };
    expect(applyConfigStep(before, step)).toEqual({ Env: ['B=2', 'A=1'] });
    expect(before).toEqual({ Env: ['B=2'], Cmd: ['x'] });
  });
});

describe('COPY --from history', () => {
  it('names the source stage by its name, or its index when unnamed', () => {
    const plan = planBuild('ARG S=0\nFROM scratch\nFROM scratch AS Named\nFROM scratch\nCOPY --from=$S /a /a\nCOPY --from=NAMED /b /b', options());
    expect(plan.stages[2]!.steps.map((step) => step.createdBy)).toEqual(['COPY --from=0 /a /a', 'COPY --from=named /b /b']);
  });
});
