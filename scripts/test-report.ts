// One closing line for the whole of `npm test`, added up from what each runner wrote:
//   node scripts/test-report.ts start     (empties .test-reports before the runners)
//   node scripts/test-report.ts summary   (after them)
// Three runners print three summaries (Vitest, node's runner for the Electron e2e, Playwright), and
// a reader of the log, CI among them, takes the last one it recognises for the whole run. So the
// last line here is the plain "Total: N passed, N failed, N skipped" of every test that ran, after
// each skipped end-to-end test named with its reason.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', '.test-reports');
const REPORTS = {
  unit: join(DIR, 'vitest.json'),
  electron: join(DIR, 'electron.tap'),
  windows: join(DIR, 'playwright.json'),
};

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** "name: reason" of each skipped test whose runner records a reason. */
  skips: string[];
  /** Tests that failed, then passed when run again (counted as passed, named every time). */
  flaky?: string[];
}

export function vitestTally(report: {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}): Tally {
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    skips: [],
  };
}

/** node's TAP reporter: `# pass N` at the end, `ok 1 - name # SKIP why` for a skip. */
export function tapTally(tap: string): Tally {
  const count = (key: string) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? NaN);
  return {
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped') + count('todo'),
    skips: [...tap.matchAll(/^\s*ok \d+ - (.*?) # SKIP ?(.*)$/gm)].map(
      ([, name, why]) => `${name}: ${why}`,
    ),
  };
}

interface PlaywrightSuite {
  title: string;
  suites?: PlaywrightSuite[];
  specs?: {
    title: string;
    tests: {
      projectName: string;
      status: string;
      annotations: { type: string; description?: string }[];
    }[];
  }[];
}

/** Playwright's JSON reporter: its stats, and the reason each skipped test gave. */
export function playwrightTally(report: {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  suites: PlaywrightSuite[];
}): Tally {
  const skips: string[] = [];
  const flakyNames: string[] = [];
  const walk = (suite: PlaywrightSuite, path: string[]) => {
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests) {
        const name = `[${test.projectName}] ${[...path, spec.title].join(' › ')}`;
        if (test.status === 'flaky') flakyNames.push(name);
        if (test.status !== 'skipped') continue;
        const why =
          test.annotations.find((a) => a.type === 'skip')?.description ?? 'no reason given';
        skips.push(`${name}: ${why}`);
      }
    for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
  };
  for (const suite of report.suites) walk(suite, [suite.title]);
  const { expected, unexpected, flaky, skipped } = report.stats;
  return { passed: expected + flaky, failed: unexpected, skipped, skips, flaky: flakyNames };
}

function read(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: its runner did not finish.`);
  return readFileSync(file, 'utf8');
}

export function summarize(tallies: Record<string, Tally>): string[] {
  const lines: string[] = [];
  const total: Tally = { passed: 0, failed: 0, skipped: 0, skips: [] };
  for (const [name, tally] of Object.entries(tallies)) {
    for (const key of ['passed', 'failed', 'skipped'] as const) total[key] += tally[key];
    for (const skip of tally.skips) lines.push(`  skipped ${skip}`);
    for (const name of tally.flaky ?? [])
      lines.push(`  FLAKY ${name}: failed, then passed on its retry`);
    lines.push(
      `${name}: ${tally.passed} passed · ${tally.failed} failed · ${tally.skipped} skipped`,
    );
  }
  lines.push(`Total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return lines;
}

function main(step: string | undefined): number {
  // `start` forgets an earlier run's reports; `ready` (the e2e run alone) only makes the folder.
  if (step === 'start') rmSync(DIR, { recursive: true, force: true });
  if (step === 'start' || step === 'ready') {
    mkdirSync(DIR, { recursive: true });
    return 0;
  }
  if (step !== 'summary') {
    console.error('Usage: node scripts/test-report.ts start|ready|summary');
    return 2;
  }
  const tallies = {
    unit: vitestTally(JSON.parse(read(REPORTS.unit))),
    'electron e2e': tapTally(read(REPORTS.electron)),
    windows: playwrightTally(JSON.parse(read(REPORTS.windows))),
  };
  const bad = Object.entries(tallies).find(([, t]) =>
    Object.values(t).some((n) => Number.isNaN(n)),
  );
  if (bad) throw new Error(`The ${bad[0]} report has no counts.`);
  console.log(`\n${summarize(tallies).join('\n')}`);
  return Object.values(tallies).some((t) => t.failed > 0) ? 1 : 0;
}

if (import.meta.main) process.exitCode = main(process.argv[2]);
