import type { Reporter, TestModule } from 'vitest/node';

declare module 'vitest' {
  interface TaskMeta {
    /** Set by every hostile case: how many figures of chain state changed outside the user's intent. */
    hostileMoved?: number;
  }
}

/**
 * Ends a run that includes the hostile suite with its one-line verdict: how many cases held, and in
 * how many funds moved outside the user's intent (that number must be 0).
 */
export default class HostileReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let cases = 0;
    let held = 0;
    let moved = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const meta = test.meta();
        if (meta.hostileMoved === undefined && !test.fullName.startsWith('hostile')) continue;
        cases += 1;
        if (test.result().state === 'passed') held += 1;
        if ((meta.hostileMoved ?? 0) > 0) moved += 1;
      }
    }
    if (cases === 0) return;
    process.stdout.write(`\nhostile: held ${held}/${cases}; funds moved outside intent in ${moved} cases\n`);
  }
}
