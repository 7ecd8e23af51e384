// The Build dialog's view of a build's output (src-renderer/src/lib/build-log.ts): steps with
// their state and lines, the step a failure stopped at, and a bounded number of lines.
import { describe, expect, it } from 'vitest';
import type { JobOutputLine } from '@shared/api/types/jobs';
import { BuildLog } from '../../src-renderer/src/lib/build-log';

let seq = 0;
const line = (fields: Omit<JobOutputLine, 'seq'>): JobOutputLine => ({ seq: seq++, ...fields });
const header = (step: number, text: string) => line({ kind: 'step', step, total: 3, text: `STEP ${step}/3: ${text}` });

describe('BuildLog', () => {
  it('shows each step with its state and what it printed', () => {
    const log = new BuildLog();
    log.apply([line({ kind: 'warning', text: 'unused build-arg X' }), header(1, 'FROM base'), header(2, 'RUN make')]);
    expect(log.steps.map((step) => step.state)).toEqual(['done', 'running']); // FROM is done when the next starts
    expect(log.current?.header).toBe('STEP 2/3: RUN make');
    log.apply([line({ kind: 'stdout', step: 2, text: 'compiling' }), line({ kind: 'stderr', step: 2, text: 'a warning' }), line({ kind: 'step-done', step: 2, total: 3, cached: false, text: 'done in 1.5 s' })]);
    log.apply([header(3, 'COPY . /app'), line({ kind: 'step-done', step: 3, total: 3, cached: true, text: 'Using cache' })]);
    log.end('succeeded');
    expect(log.steps).toMatchObject([
      { step: 1, state: 'done', text: '' },
      { step: 2, state: 'done', took: '1.5 s', text: 'compiling\na warning', lines: 2 },
      { step: 3, state: 'cached', header: 'STEP 3/3: COPY . /app' },
    ]);
    expect(log.total).toBe(3);
    expect(log.finished).toBe(3);
    expect(log.messages).toEqual([{ level: 'warning', text: 'unused build-arg X' }]);
  });

  it('marks the step a failure stopped at, its lines kept', () => {
    const log = new BuildLog();
    log.apply([header(1, 'FROM base'), header(2, 'RUN false'), line({ kind: 'stderr', step: 2, text: 'it broke' })]);
    log.end('failed');
    expect(log.steps.map((step) => [step.state, step.text])).toEqual([
      ['done', ''],
      ['failed', 'it broke'],
    ]);
  });

  it('keeps the newest lines, counting the ones dropped', () => {
    const log = new BuildLog(10);
    log.apply([header(1, 'RUN a'), ...Array.from({ length: 8 }, (_, i) => line({ kind: 'stdout', step: 1, text: `a${i}` }))]);
    log.apply([header(2, 'RUN b'), ...Array.from({ length: 8 }, (_, i) => line({ kind: 'stdout', step: 2, text: `b${i}` }))]);
    const [a, b] = log.steps;
    expect(a).toMatchObject({ lines: 8, dropped: 6, text: 'a6\na7' });
    expect(b).toMatchObject({ lines: 8, dropped: 0 });
    log.apply(Array.from({ length: 5 }, (_, i) => line({ kind: 'stdout', step: 2, text: `c${i}` })));
    expect(a).toMatchObject({ dropped: 8, text: '' });
    expect(b!.text.split('\n')).toEqual(['b3', 'b4', 'b5', 'b6', 'b7', 'c0', 'c1', 'c2', 'c3', 'c4']);
    expect(b).toMatchObject({ dropped: 3 });
  });
});
