// Ends the run with one plain line, `N passed, N failed, N skipped`, after vitest's own
// summary, so any tool can read the outcome without knowing vitest's format.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A module can fail outside its tests (a hook, an import): count it as a failure too.
      const failedTests = [...module.children.allTests()].filter((test) => test.result().state === 'failed').length;
      if (module.state() === 'failed' && failedTests === 0) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
