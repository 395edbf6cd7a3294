import { defineConfig } from '@playwright/test';

/**
 * The windows in Debian's Chromium (`apt-get install chromium`), never a downloaded browser.
 * Project `web`: the pages served by a real agent in web mode. `screenshots` writes
 * docs/screenshots (`npm run screenshots`).
 */
export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Two-core machines: each test runs an agent and a browser.
  workers: 2,
  fullyParallel: true,
  reporter: [['list']],
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
    { name: 'web', testIgnore: /screenshots\.spec\.ts/ },
    { name: 'screenshots', testMatch: /screenshots\.spec\.ts/ },
  ],
});
