import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { playwrightTally, summarize, tapTally, vitestTally } from '../../scripts/test-report.ts';

// The line a log reader (CI) takes as a run's count: "N passed, N failed", maybe ", N skipped",
// maybe one word with a colon before it.
const PLAIN_CLOSING_LINE = /^(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?$/;

describe("npm test's closing line", () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads node's runner as it writes TAP: its counts and each skip's reason", async () => {
    dir = await mkdtemp(join(tmpdir(), 'du-report-'));
    const file = join(dir, 'three.test.mjs');
    await writeFile(
      file,
      `import { it } from 'node:test';
       it('runs', () => {});
       it('runs too', () => {});
       it('waits for a binary', { skip: 'no binary here' }, () => {});`,
    );
    const tap = join(dir, 'out.tap');
    await promisify(execFile)(process.execPath, [
      '--test',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      file,
    ]);
    expect(tapTally(await readFile(tap, 'utf8'))).toEqual({
      passed: 2,
      failed: 0,
      skipped: 1,
      skips: ['waits for a binary: no binary here'],
    });
  });

  it('adds every runner up in a last line of the plain form, after each skip with its reason', () => {
    const lines = summarize({
      unit: vitestTally({
        numPassedTests: 900,
        numFailedTests: 0,
        numPendingTests: 1,
        numTodoTests: 0,
      }),
      'electron e2e': { passed: 0, failed: 0, skipped: 1, skips: ['the desktop app: no binary'] },
      windows: playwrightTally({
        stats: { expected: 53, unexpected: 0, flaky: 1, skipped: 1 },
        suites: [
          {
            title: 'upload.spec.ts',
            suites: [
              {
                title: 'Upload',
                specs: [
                  {
                    title: 'the desktop app only',
                    tests: [
                      {
                        projectName: 'web',
                        status: 'skipped',
                        annotations: [{ type: 'skip', description: 'needs the bridge' }],
                      },
                      { projectName: 'bridge', status: 'expected', annotations: [] },
                      { projectName: 'chromium', status: 'flaky', annotations: [] },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(lines).toContain('  skipped the desktop app: no binary');
    expect(lines).toContain(
      '  skipped [web] upload.spec.ts › Upload › the desktop app only: needs the bridge',
    );
    // A test that passed only on its retry counts as passed, and is named on every run.
    expect(lines).toContain(
      '  FLAKY [chromium] upload.spec.ts › Upload › the desktop app only: failed, then passed on its retry',
    );
    expect(lines.at(-1)).toBe('Total: 954 passed, 0 failed, 3 skipped');
    expect(lines.at(-1)).toMatch(PLAIN_CLOSING_LINE);
    expect(lines.slice(0, -1).filter((line) => PLAIN_CLOSING_LINE.test(line))).toEqual([]);
  });
});
