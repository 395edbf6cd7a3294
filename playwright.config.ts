import { defineConfig } from '@playwright/test';
import type { Mode } from './e2e/support/fixtures.ts';

/**
 * The windows in Debian's Chromium (`apt-get install chromium`), never a downloaded browser.
 * Project `web`: the pages served by a real agent in web mode. Project `bridge`: the same pages as
 * the desktop app runs them, over the preload bridge's message port to a real agent (the specs of
 * windows whose working differs between the two). `screenshots` writes docs/screenshots
 * (`npm run screenshots`).
 */
export default defineConfig<{ mode: Mode }>({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // One retry: two fresh-clone runs of 5 saw the accessibility spec's page lose the agent for
  // good ("not reachable; reconnecting…") while the agent was up, cause not found. A test that
  // passes only on its retry is named in `npm test`'s closing summary (FLAKY …) on every run.
  retries: 1,
  // Two-core machines: each test runs an agent and a browser.
  workers: 2,
  fullyParallel: true,
  // The JSON report is what `npm test`'s closing line adds up (scripts/test-report.ts).
  reporter: [['list'], ['json', { outputFile: '.test-reports/playwright.json' }]],
  outputDir: 'test-results',
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        // A name that resolves to this machine, as DNS rebinding makes one (see security.spec.ts).
        '--host-resolver-rules=MAP rebound.test 127.0.0.1',
      ],
    },
    viewport: { width: 800, height: 560 },
  },
  projects: [
    { name: 'web', testIgnore: /screenshots\.spec\.ts/, use: { mode: 'web' } },
    {
      name: 'bridge',
      testMatch: /(upload|activity|settings|review|history)\.spec\.ts/,
      use: { mode: 'bridge' },
    },
    { name: 'screenshots', testMatch: /screenshots\.spec\.ts/ },
  ],
});
