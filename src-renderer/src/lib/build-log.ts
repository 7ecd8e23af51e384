// A build's output (jobs.output lines) as the Build dialog shows it: one entry per step —
// its header, how it stands (running, cached, done in 1.2 s, failed) and the lines it
// printed — plus the build's warnings and notes. At most `maxLines` printed lines are kept,
// the oldest going first; each step counts what it no longer shows.
import type { JobOutputLine } from '@shared/api/types/jobs';

export type BuildStepState = 'running' | 'cached' | 'done' | 'failed' | 'cancelled';

export interface BuildStepView {
  step: number;
  /** `STEP 3/10: RUN make`. */
  header: string;
  state: BuildStepState;
  /** How long it took, once done. */
  took?: string;
  /** The lines it printed (stdout and stderr as they came), one per line. */
  text: string;
  lines: number;
  /** Its first lines no longer kept. */
  dropped: number;
}

export class BuildLog {
  readonly steps: BuildStepView[] = [];
  readonly messages: { level: 'warning' | 'note'; text: string }[] = [];
  /** How many steps the build has (known from the first step on). */
  total = 0;
  private lines = 0;

  constructor(private readonly maxLines = 5000) {}

  /** Steps that have ended (the one running is not counted). */
  get finished(): number {
    return this.steps.filter((step) => step.state !== 'running').length;
  }

  get current(): BuildStepView | undefined {
    return this.steps.findLast((step) => step.state === 'running');
  }

  apply(lines: readonly JobOutputLine[]): void {
    for (const line of lines) {
      switch (line.kind) {
        case 'step':
          // A FROM step has no end of its own: it is done when the next one starts.
          for (const step of this.steps) if (step.state === 'running') step.state = 'done';
          this.steps.push({ step: line.step ?? this.steps.length + 1, header: line.text, state: 'running', text: '', lines: 0, dropped: 0 });
          if (line.total) this.total = line.total;
          break;
        case 'stdout':
        case 'stderr': {
          const step = this.stepOf(line.step);
          step.text = step.lines - step.dropped === 0 ? line.text : `${step.text}\n${line.text}`;
          step.lines++;
          this.lines++;
          break;
        }
        case 'step-done': {
          const step = this.stepOf(line.step);
          step.state = line.cached ? 'cached' : 'done';
          if (!line.cached) step.took = line.text.replace(/^done in /, '');
          break;
        }
        case 'warning':
        case 'note':
          this.messages.push({ level: line.kind, text: line.text });
          break;
      }
    }
    if (this.lines > this.maxLines * 1.25) this.forget(this.lines - this.maxLines);
  }

  /** The build ended: a step still running ended with it. */
  end(state: 'succeeded' | 'failed' | 'cancelled'): void {
    for (const step of this.steps) if (step.state === 'running') step.state = state === 'succeeded' ? 'done' : state;
  }

  private stepOf(number: number | undefined): BuildStepView {
    const found = number === undefined ? this.steps.at(-1) : this.steps.findLast((step) => step.step === number);
    if (found) return found;
    const step: BuildStepView = { step: number ?? 0, header: number === undefined ? '' : `STEP ${number}`, state: 'running', text: '', lines: 0, dropped: 0 };
    this.steps.push(step);
    return step;
  }

  /** Drops the `count` oldest printed lines. */
  private forget(count: number): void {
    for (const step of this.steps) {
      if (count === 0) break;
      const shown = step.lines - step.dropped;
      if (shown === 0) continue;
      const drop = Math.min(shown, count);
      let cut = 0;
      for (let i = 0; i < drop; i++) cut = step.text.indexOf('\n', cut) + 1;
      step.text = drop === shown ? '' : step.text.slice(cut);
      step.dropped += drop;
      this.lines -= drop;
      count -= drop;
    }
  }
}
