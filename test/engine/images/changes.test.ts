import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../../src-main/engine/images/changes';
import { isStrataError } from '@shared/errors';

describe('--change instructions', () => {
  it('applies CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL', () => {
    const config = applyChanges({ Env: ['PATH=/bin', 'A=old'] }, [
      'CMD echo "hi there"',
      'ENTRYPOINT ["/bin/tini", "--"]',
      'ENV A=new B="two words" C=\'single\'',
      'ENV LEGACY value with spaces',
      'WORKDIR /srv',
      'USER 1000:1000',
      'EXPOSE 80 53/udp',
      'LABEL org.example.team=core',
      'VOLUME ["/data", "/cache"]',
      'stopsignal SIGINT',
    ]);
    expect(config).toEqual({
      Env: ['PATH=/bin', 'A=new', 'B=two words', 'C=single', 'LEGACY=value with spaces'],
      Cmd: ['/bin/sh', '-c', 'echo "hi there"'],
      Entrypoint: ['/bin/tini', '--'],
      WorkingDir: '/srv',
      User: '1000:1000',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { 'org.example.team': 'core' },
      Volumes: { '/data': {}, '/cache': {} },
      StopSignal: 'SIGINT',
    });
  });

  it.each([
    ['RUN make', /unknown instruction RUN/],
    ['CMD', /INSTRUCTION ARGUMENTS/],
    ['CMD ["a", 1]', /JSON array of strings/],
    ['WORKDIR relative', /absolute/],
    ['EXPOSE 99999', /bad port/],
    ['USER a b', /one name/],
    ['STOPSIGNAL KILL', /signal/],
    ['ENV =x', /KEY=VALUE/],
  ])('refuses %j', (change, message) => {
    let error: unknown;
    try {
      applyChanges({}, [change]);
    } catch (e) {
      error = e;
    }
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
