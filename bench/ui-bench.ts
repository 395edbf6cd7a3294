// The windows in Chromium (playwright-core, Debian's /usr/bin/chromium or CHROMIUM_PATH) against a
// real agent hosted here with its web server: how fast History answers typing over a million
// records, how Activity copes with 10,000 jobs, how soon each window is ready, how big each
// window's script is, and how soon a progress event shows on its bar.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWindows } from '../scripts/build-windows.ts';
import { resolvePaths } from '../src/core/config/paths.ts';
import type { Job } from '../src/core/queue/job.ts';
import { openAgentDatabase } from '../src/core/migrations.ts';
import { socketTransport } from '../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../src/ipc/server/serve-agent.ts';

type HostedAgent = Awaited<ReturnType<typeof serveAgent>>;
import { createAppRouter } from '../src/ipc/server/app-router.ts';
import { WINDOW_PAGES, type WindowPage } from '../src/ipc/common/window-pages.ts';
import { startWebServer, type WebServer } from '../src/ipc/server/web-server.ts';
import type { BenchResult, BenchRunner } from './bench-result.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const runUiBench: BenchRunner = async ({ quick, only, log }) => {
  const wanted = (metric: string) => !only || metric.includes(only);
  log('building the windows');
  const built = await buildWindows();
  const results: BenchResult[] = built
    .filter(() => wanted('ui_page_js_kb_gz'))
    .map(({ page, jsGzipBytes }) => ({
      metric: 'ui_page_js_kb_gz',
      value: round(jsGzipBytes / 1024),
      unit: 'KB',
      goal: '≤ 80 KB',
      page,
    }));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    if (wanted('ui_history_keystroke')) {
      results.push(await historyKeystrokes(browser, quick ? 100_000 : 1_000_000, log));
    }
    if (wanted('ui_activity') || wanted('ui_event_to_paint') || wanted('ui_page_ready')) {
      results.push(...(await withJobs(browser, quick ? 2_000 : 10_000, wanted, log)));
    }
  } finally {
    await browser.close();
  }
  return results;
};

interface Served {
  hosted: HostedAgent;
  web: WebServer;
  home: string;
  close(): Promise<void>;
}

/** A real agent (not signed in: nothing uploads) with its web server, in a fresh home. */
async function serve(
  seed: (db: DatabaseSync, home: string) => Promise<void> | void,
): Promise<Served> {
  const home = await mkdtemp(join(tmpdir(), 'du-ui-bench-'));
  const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '', DRIVEUP_LOG_LEVEL: 'warn' };
  const paths = resolvePaths({ env });
  const db = openAgentDatabase(paths.databaseFile);
  try {
    await seed(db, home);
  } finally {
    db.close();
  }
  const hosted = await serveAgent({ paths, env, openBrowser: async () => {} }, [
    socketTransport(paths.socketPath),
  ]);
  const web = await startWebServer(
    createAppRouter(hosted.agent, { requestShutdown: () => void hosted.stop() }),
  );
  return {
    hosted,
    web,
    home,
    async close() {
      await web.close();
      await hosted.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function open(browser: Browser, web: WebServer, page: WindowPage): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 800, height: 560 } });
  const tab = await context.newPage();
  await tab.goto(web.createOpenUrl(page));
  return tab;
}

// ---- History: typing over a million records

/**
 * A million records written straight into the local history (its table, its FTS5 words, its
 * word list), with SQL: names, folders and paths built from a 45-syllable alphabet, so words
 * repeat as in a lab's files. The words follow search-tokens.ts (letters and digits, lower case).
 */
function seedHistory(db: DatabaseSync, count: number): void {
  const start = Date.parse('2024-01-01T00:00:00Z');
  db.exec('BEGIN');
  db.prepare(
    `WITH RECURSIVE
       n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
       s(a) AS (SELECT 'babebibobudadedidodufafefifofugagegigogukakekikokulalelilolumamemimomunanenino'),
       v AS (
         SELECT i,
           ${word('(i * 7919) % 20000')} AS w1,
           ${word('(i * 104729) % 3000')} AS w2,
           'lab-pc-' || (i % 4) AS machine,
           printf('%06d', i) AS serial
         FROM n, s)
     INSERT INTO history (sort_key, id, name, path, machine, account_email, drive_file_id,
       web_view_link, folder_path, size, mime_type, extension, md5, source, rule_id, status, error,
       queued_at, started_at, finished_at, duration_ms, trashed_at)
     SELECT (? + i * 60000) * 1024, 'seed-' || i,
       'scan-' || w1 || '-' || serial || '.tif',
       '/data/' || w2 || '/scan-' || w1 || '-' || serial || '.tif',
       machine, 'lab@example.com', 'drive-' || i,
       'https://drive.google.com/file/d/drive-' || i || '/view',
       'Lab/' || machine || '/' || w2, 1000 + i % 5000000, 'image/tiff', 'tif', NULL, 'watch',
       NULL, 'uploaded', NULL, ? + i * 60000 - 60000, ? + i * 60000 - 30000, ? + i * 60000,
       30000, NULL
     FROM v`,
  ).run(count - 1, start, start, start, start);
  db.exec(
    `INSERT INTO history_fts (rowid, words)
       SELECT sort_key,
         'scan ' || substr(name, 6, instr(substr(name, 6), '-') - 1) || ' ' ||
         substr(name, length(name) - 9, 6) || ' tif lab pc ' || substr(machine, 8) || ' ' ||
         substr(folder_path, length('Lab/' || machine || '/') + 1) || ' data'
       FROM history;
     INSERT OR IGNORE INTO history_words (word)
       SELECT substr(name, 6, instr(substr(name, 6), '-') - 1) FROM history
       UNION SELECT substr(folder_path, length('Lab/' || machine || '/') + 1) FROM history
       UNION VALUES ('scan'), ('tif'), ('lab'), ('pc'), ('data');
     COMMIT;
     ANALYZE;`,
  );
}

/** Three syllables of the alphabet in `s.a`, picked by the number `x`. */
function word(x: string): string {
  const syllable = (k: string) => `substr(s.a, 1 + 2 * ((${k}) % 40), 2)`;
  return `${syllable(x)} || ${syllable(`(${x}) / 40`)} || ${syllable(`(${x}) / 1600`)}`;
}

/** What a person types, a key at a time: words, prefixes, serial numbers, two words. */
const TYPED = [
  'scan babe',
  'lab pc 2 gogo',
  '000123',
  'dafe',
  'kilomu scan',
  'data nono',
  'bibi 2',
];

async function historyKeystrokes(
  browser: Browser,
  records: number,
  log: (line: string) => void,
): Promise<BenchResult> {
  log(`seeding ${records} history records`);
  const started = performance.now();
  const served = await serve((db) => seedHistory(db, records));
  log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  try {
    const page = await open(browser, served.web, 'history');
    const box = page.getByRole('searchbox', { name: 'Search uploads', exact: true });
    await page.locator('[data-results-for=""]').waitFor();
    await page.evaluate(() => {
      addEventListener('keydown', (event) => {
        (window as unknown as { keyAt: number }).keyAt = event.timeStamp;
      });
    });
    const timings: number[] = [];
    for (const text of TYPED) {
      await box.fill('');
      await page.locator('[data-results-for=""]').waitFor();
      for (let n = 1; n <= text.length; n++) {
        await box.press(text[n - 1] === ' ' ? 'Space' : text[n - 1]!);
        timings.push(await page.evaluate(untilResultsPainted, text.slice(0, n)));
      }
    }
    await page.context().close();
    const sorted = timings.toSorted((a, b) => a - b);
    return {
      metric: 'ui_history_keystroke_p95_ms',
      value: round(percentile(sorted, 95)),
      unit: 'ms',
      goal: '≤ 100 ms over 1,000,000 records',
      records,
      keystrokes: timings.length,
      p50_ms: round(percentile(sorted, 50)),
      max_ms: round(sorted.at(-1)!),
    };
  } finally {
    await served.close();
  }
}

/** In the page: from the last keydown until the results for `text` are on screen, painted. */
function untilResultsPainted(text: string): Promise<number> {
  const keyAt = (window as unknown as { keyAt: number }).keyAt;
  return new Promise((resolve) => {
    const look = () => {
      const footer = document.querySelector('footer[data-results-for]');
      if (footer?.getAttribute('data-results-for') === text) {
        // The frame after the one that showed them: they have been painted.
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - keyAt)));
      } else {
        requestAnimationFrame(look);
      }
    };
    look();
  });
}

// ---- Activity with 10,000 jobs, every window's start, and progress events

async function withJobs(
  browser: Browser,
  count: number,
  wanted: (metric: string) => boolean,
  log: (line: string) => void,
): Promise<BenchResult[]> {
  const served = await serve(async () => {});
  const results: BenchResult[] = [];
  try {
    log(`queueing ${count} jobs (not signed in: they wait)`);
    const folder = join(served.home, 'backlog');
    await mkdir(folder);
    for (let i = 0; i < count; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, count - i) }, (_, k) =>
          writeFile(join(folder, `frame-${String(i + k).padStart(5, '0')}.tif`), 'x'),
        ),
      );
    }
    await served.hosted.agent.add({ paths: [folder], folder: 'Backlog', source: 'cli' });
    if (wanted('ui_activity')) results.push(...(await activity(browser, served, count)));
    if (wanted('ui_page_ready')) results.push(...(await pagesReady(browser, served)));
    if (wanted('ui_event_to_paint')) results.push(await eventToPaint(browser, served, log));
  } finally {
    await served.close();
  }
  return results;
}

async function activity(browser: Browser, served: Served, count: number): Promise<BenchResult[]> {
  const rounds = 5;
  const ready: number[] = [];
  const all: number[] = [];
  let page: Page | undefined;
  for (let round = 0; round < rounds; round++) {
    await page?.context().close();
    page = await open(browser, served.web, 'activity');
    ready.push(
      await page.evaluate(() => {
        return new Promise<number>((resolve) => {
          const look = () => {
            if (document.querySelector('ul[aria-label="Uploads"] li')) {
              requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
            } else requestAnimationFrame(look);
          };
          look();
        });
      }),
    );
    const shown = page.getByText(`${count.toLocaleString('en-US')} uploads shown`);
    await shown.waitFor({ timeout: 60_000 });
    all.push(await page.evaluate(() => performance.now()));
  }
  const longTasks = await page!.evaluate(scrollForFiveSeconds);
  await page!.context().close();
  return [
    {
      metric: 'ui_activity_10k_ready_ms',
      value: round(median(ready)),
      unit: 'ms',
      goal: '≤ 500 ms with 10,000 jobs',
      jobs: count,
      rounds,
      all_jobs_listed_ms: round(median(all)),
    },
    {
      metric: 'ui_activity_scroll_long_tasks',
      value: longTasks.count,
      unit: 'tasks',
      goal: '0 tasks over 50 ms in a 5 s scroll',
      jobs: count,
      longest_ms: round(longTasks.longest),
      frames: longTasks.frames,
    },
  ];
}

/** In the page: scrolls the list end to end and back for 5 s, counting tasks over 50 ms. */
function scrollForFiveSeconds(): Promise<{ count: number; longest: number; frames: number }> {
  return new Promise((resolve) => {
    let count = 0;
    let longest = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        count++;
        longest = Math.max(longest, entry.duration);
      }
    });
    observer.observe({ type: 'longtask', buffered: false });
    const list = document.querySelector<HTMLElement>('.vlist')!;
    const started = performance.now();
    let frames = 0;
    let step = 400;
    const tick = () => {
      frames++;
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) step = -400;
      if (list.scrollTop <= 0) step = 400;
      list.scrollTop += step;
      if (performance.now() - started < 5000) return void requestAnimationFrame(tick);
      setTimeout(() => {
        observer.disconnect();
        resolve({ count, longest, frames });
      }, 100);
    };
    requestAnimationFrame(tick);
  });
}

/** Navigation to interactive: the page's first content is on screen and nothing is loading. */
async function pagesReady(browser: Browser, served: Served): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const name of Object.keys(WINDOW_PAGES) as WindowPage[]) {
    const timings: number[] = [];
    for (let round = 0; round < 5; round++) {
      const page = await open(browser, served.web, name);
      timings.push(await page.evaluate(untilSettled));
      await page.context().close();
    }
    results.push({
      metric: 'ui_page_ready_ms',
      value: round(median(timings)),
      unit: 'ms',
      goal: '≤ 300 ms',
      page: name,
      ...(name === 'activity' ? { jobs: 'the 10,000 above' } : {}),
    });
  }
  return results;
}

/** In the page: the time (from navigation) of the first frame with content and no spinner. */
function untilSettled(): Promise<number> {
  return new Promise((resolve) => {
    const look = () => {
      const main = document.querySelector('main');
      const loading = document.querySelector('.state-loading, .spinner');
      if (main && main.childElementCount > 0 && !loading) {
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
      } else requestAnimationFrame(look);
    };
    look();
  });
}

/**
 * 200 progress events a second for 5 s, spread over the 10 jobs at the top of Activity (made to
 * look running with `job.started` on the agent's bus), each moving its bar by a distinct step;
 * the page notes when each bar's new width was painted.
 */
async function eventToPaint(
  browser: Browser,
  served: Served,
  log: (line: string) => void,
): Promise<BenchResult> {
  const { agent } = served.hosted;
  const jobs = agent.queue.list({ order: 'newest', limit: 10 }).jobs;
  const size = 1_000_000_000;
  const page = await open(browser, served.web, 'activity');
  await page.locator('ul[aria-label="Uploads"] li').first().waitFor();
  for (const job of jobs) {
    const running: Job = { ...job, state: 'running', size, startedAt: new Date() };
    agent.bus.emit('job.started', { job: running });
  }
  await page
    .locator('ul[aria-label="Uploads"] [role=progressbar]')
    .nth(jobs.length - 1)
    .waitFor();
  await page.evaluate(watchBars);
  log('200 progress events a second for 5 s');
  const sent: Array<{ name: string; fraction: number; at: number }> = [];
  const perJob = new Map(jobs.map((job) => [job.id, 0]));
  const total = 1000;
  await new Promise<void>((resolve) => {
    let n = 0;
    const started = performance.now();
    const emit = () => {
      // Catch up to where 200 a second should be by now.
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * 200));
      for (; n < due; n++) {
        const job = jobs[n % jobs.length]!;
        const step = perJob.get(job.id)! + 1;
        perJob.set(job.id, step);
        const sentBytes = step * 900_000;
        agent.bus.emit('job.progress', { jobId: job.id, sentBytes, confirmedBytes: 0, size });
        const at = performance.timeOrigin + performance.now();
        sent.push({ name: job.name, fraction: sentBytes / size, at });
      }
      if (n < total) setTimeout(emit, 2);
      else resolve();
    };
    emit();
  });
  const painted = await page.evaluate(collectBars);
  await page.context().close();
  const latencies: number[] = [];
  let missed = 0;
  for (const event of sent) {
    const shown = painted.find(
      (p) => p.name === event.name && p.fraction >= event.fraction - 1e-9 && p.at >= event.at,
    );
    if (shown) latencies.push(Math.max(0, shown.at - event.at));
    else missed++;
  }
  const sorted = latencies.toSorted((a, b) => a - b);
  return {
    metric: 'ui_event_to_paint_p95_ms',
    value: round(percentile(sorted, 95)),
    unit: 'ms',
    goal: '≤ 100 ms at 200 events/s',
    events: sent.length,
    p50_ms: round(percentile(sorted, 50)),
    max_ms: round(sorted.at(-1) ?? 0),
    never_painted: missed,
  };
}

/**
 * In the page: every change of a bar's width, with the time of the frame after it (painted by
 * then), by the job's name. The width is the exact fraction the page was given.
 */
function watchBars(): void {
  const found: Array<{ name: string; fraction: number; at: number }> = [];
  (window as unknown as { painted: typeof found }).painted = found;
  const list = document.querySelector('ul[aria-label="Uploads"]')!;
  new MutationObserver((mutations) => {
    const changed: Array<{ name: string; fraction: number }> = [];
    for (const mutation of mutations) {
      const fill = mutation.target as HTMLElement;
      if (!fill.classList?.contains('progress-fill')) continue;
      const name = fill.closest('li')?.querySelector('.job-name')?.textContent ?? '';
      const fraction = Number(/scaleX\(([\d.e-]+)\)/.exec(fill.style.transform)?.[1] ?? NaN);
      changed.push({ name, fraction });
    }
    if (changed.length === 0) return;
    requestAnimationFrame(() =>
      setTimeout(() => {
        const at = performance.timeOrigin + performance.now();
        for (const change of changed) found.push({ ...change, at });
      }),
    );
  }).observe(list, { attributes: true, attributeFilter: ['style'], subtree: true });
}

function collectBars(): Array<{ name: string; fraction: number; at: number }> {
  return (window as unknown as { painted: Array<{ name: string; fraction: number; at: number }> })
    .painted;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  return percentile(
    values.toSorted((a, b) => a - b),
    50,
  );
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
