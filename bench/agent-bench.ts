// The agent at rest and at start: a real `driveup agent` process from the bundle, its resident
// memory when signed in with nothing to do, and how soon it answers its API when its database
// holds a long life's worth (history, finished jobs, a watch journal).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import { resolvePaths, type DriveUpPaths } from '../src/core/config/paths.ts';
import { fingerprintOf } from '../src/core/queue/fingerprint.ts';
import type { Job } from '../src/core/queue/job.ts';
import { JobStore } from '../src/core/queue/job-store.ts';
import { openAgentDatabase as openDatabase } from '../src/core/migrations.ts';
import { Pruner } from '../src/core/pruner.ts';
import { transaction } from '../src/core/store/transaction.ts';
import { WatchService } from '../src/core/watch/watch-service.ts';
import type { AppRouter } from '../src/ipc/server/app-router.ts';
import { createSocketClient } from '../src/ipc/node/socket-client.ts';
import { fakeGoogleEnv } from '../test/support/fake-google-env.ts';
import { bundledSignIn, processCost, startBundledAgent } from './agent-process.ts';
import type { BenchResult, BenchRunner } from './bench-result.ts';
import { startFakeGoogleProcess } from './fake-google-process.ts';
import { journalAll, writeTrees } from './watch-idle.ts';

const DAY_MS = 86_400_000;

export const runAgentBench: BenchRunner = async ({ quick, only, log }) => {
  const wanted = (metric: string) => !only || metric.includes(only);
  const results: BenchResult[] = [];
  if (wanted('agent_idle_rss_mb')) results.push(await idleRss(quick, log));
  if (wanted('agent_ready_ms')) results.push(...(await ready(quick, log)));
  return results;
};

/** A signed-in agent with no rules and an empty queue, after a while at rest. */
async function idleRss(quick: boolean, log: (line: string) => void): Promise<BenchResult> {
  const top = mkdtempSync(join(tmpdir(), 'du-ab-'));
  const fake = await startFakeGoogleProcess();
  const env = { ...process.env, ...fakeGoogleEnv(fake.url, join(top, 'home')) };
  const seconds = quick ? 10 : 60;
  try {
    const agent = await startBundledAgent(env);
    try {
      await bundledSignIn(env);
      log(`idle agent: ${seconds} s at rest`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const cost = processCost(agent.pid);
      return {
        metric: 'agent_idle_rss_mb',
        value: cost.rssMb,
        unit: 'MB',
        goal: '≤ 100',
        note: `a signed-in agent process, no rules, empty queue, after ${seconds} s at rest`,
        peakMb: cost.peakRssMb,
        cpuMsSinceStart: cost.cpuMs,
        quick,
      };
    } finally {
      await agent.stop();
    }
  } finally {
    await fake.stop();
    rmSync(top, { recursive: true, force: true });
  }
}

/**
 * Start to the API answering `agent.status`, twice: the first start on the filled database (when
 * anything it does once, such as pruning, happens) and the next.
 */
async function ready(quick: boolean, log: (line: string) => void): Promise<BenchResult[]> {
  const records = quick ? 100_000 : 1_000_000;
  const jobs = quick ? 10_000 : 100_000;
  const rules = 5;
  const perRule = quick ? 2_000 : 10_000;
  const top = mkdtempSync(join(tmpdir(), 'du-ar-'));
  const fake = await startFakeGoogleProcess();
  const env = { ...process.env, ...fakeGoogleEnv(fake.url, join(top, 'home')) };
  const paths = resolvePaths({ env });
  try {
    const first = await startBundledAgent(env);
    await bundledSignIn(env);
    await first.stop();
    log(`ready: ${rules} rules × ${perRule} files journalled`);
    await journalAll(paths, writeTrees(top, rules, perRule), rules * perRule);
    log(`ready: ${records} history records, ${jobs} finished jobs`);
    const sizes = fillDatabase(paths, records, jobs, log);
    const cold = await timeToAnswer(env, paths);
    log(`ready: ${Math.round(cold.answeredMs)} ms on the first start; once more`);
    const warm = await timeToAnswer(env, paths);
    log('ready: one pruning under the default policy, in this process');
    const pruning = await pruneOnce(paths);
    const after = countRows(paths);
    return [
      {
        metric: 'agent_ready_ms',
        value: Math.round(cold.answeredMs),
        unit: 'ms',
        goal: '≤ 1000',
        note:
          'spawning `driveup agent` to its first answer to agent.status, on the first start over ' +
          `${records} history records, ${jobs} finished jobs (finished over the last 90 days) ` +
          `and ${rules * perRule} journalled files`,
        nextStartMs: Math.round(warm.answeredMs),
        rulesScannedMs: Math.round(cold.startedMs),
        nextRulesScannedMs: Math.round(warm.startedMs),
        before: sizes,
        pruning,
        afterPruning: after,
        quick,
      },
    ];
  } finally {
    await fake.stop();
    rmSync(top, { recursive: true, force: true });
  }
}

/**
 * What the agent does a minute after it starts, timed: the policy's pruning (jobs finished over
 * 90 days, so about two thirds are past 30 days), and the longest the event loop waited meanwhile.
 */
async function pruneOnce(paths: DriveUpPaths): Promise<Record<string, number>> {
  const db = openDatabase(paths.databaseFile);
  const watch = new WatchService({
    db,
    sink: { enqueue: async () => [] },
    machineName: 'bench',
    protectedDirs: [paths.dataDir, paths.stateDir],
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  try {
    const pruner = new Pruner({
      db,
      jobsStillNeeded: (jobs) => watch.jobsStillNeeded(jobs),
      forgetMissingFiles: (before) => watch.forgetMissing(before),
    });
    delay.enable();
    const started = performance.now();
    const report = await pruner.prune();
    const ms = Math.round(performance.now() - started);
    delay.disable();
    return { ...report, ms, longestEventLoopDelayMs: Math.round(delay.max / 1e6) };
  } finally {
    db.close();
  }
}

/** Milliseconds from spawning the agent to its first answer, and to its `--json` line. */
async function timeToAnswer(
  env: NodeJS.ProcessEnv,
  paths: DriveUpPaths,
): Promise<{ answeredMs: number; startedMs: number }> {
  const client = createSocketClient<AppRouter>(paths.socketPath);
  const spawned = performance.now();
  const agent = startBundledAgent(env);
  let answeredMs: number | undefined;
  // Polling is the benchmark's clock: the question is when the first call succeeds.
  while (answeredMs === undefined) {
    try {
      await client.agent.status.query();
      answeredMs = performance.now() - spawned;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  const started = await agent;
  await started.stop();
  return { answeredMs, startedMs: started.startedMs };
}

/** History records and finished jobs, as a year of use leaves them; the journal's files' jobs too. */
function fillDatabase(
  paths: DriveUpPaths,
  records: number,
  jobCount: number,
  log: (line: string) => void,
): Record<string, number> {
  const db = openDatabase(paths.databaseFile);
  try {
    fillHistory(db, records, log);
    const journalled = db
      .prepare(
        `SELECT j.job_id AS id, r.folder AS folder, j.rule_id AS ruleId, j.path AS path,
           j.size AS size, j.mtime_ms AS mtimeMs
         FROM watch_journal AS j JOIN watch_rules AS r ON r.id = j.rule_id`,
      )
      .all() as Array<{
      id: string;
      folder: string;
      ruleId: string;
      path: string;
      size: number;
      mtimeMs: number;
    }>;
    const store = new JobStore(db);
    const now = Date.now();
    transaction(db, () => {
      for (let i = 0; i < jobCount; i++) {
        const watched = journalled[i];
        const path = watched ? join(watched.folder, watched.path) : `/home/bench/added/f${i}.dat`;
        const finishedAt = new Date(now - Math.floor((i / jobCount) * 90 * DAY_MS));
        const job = finishedJob(i, path, finishedAt, watched);
        store.insert(job, fingerprintOf({ ...job, folderPath: job.folderPath }));
      }
    });
    return countRows(paths, db);
  } finally {
    db.close();
  }
}

/**
 * A record per finished upload over the last two years, with its search words, in three SQL
 * statements (a recursive CTE): a million records through LocalHistory.insert take minutes, and
 * what a start reads of the history does not depend on how varied the words are.
 */
function fillHistory(db: DatabaseSync, count: number, log: (line: string) => void): void {
  const started = performance.now();
  const end = Date.now();
  const spanMs = 2 * 365 * DAY_MS;
  transaction(db, () => {
    db.prepare(
      `INSERT INTO history (sort_key, id, name, path, machine, account_email, drive_file_id,
         web_view_link, folder_path, size, mime_type, extension, md5, source, rule_id, status,
         error, queued_at, started_at, finished_at, duration_ms)
       WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1),
         r AS (SELECT i, ?2 - ?3 + (i * ?3) / ?1 AS at, CASE i % 4 WHEN 0 THEN 'jpg'
           WHEN 1 THEN 'pdf' WHEN 2 THEN 'csv' ELSE 'dat' END AS ext FROM n)
       SELECT at * 1024, 'bench-record-' || i, 'scan ' || i || '.' || ext,
         '/home/bench/scans/run-' || (i / 1000) || '/scan ' || i || '.' || ext,
         'scope-' || (i % 3), 'bench@example.com', 'drive-' || i,
         'https://drive.test/drive-' || i, 'Bench/run-' || (i / 1000), i % 5000000,
         CASE ext WHEN 'jpg' THEN 'image/jpeg' WHEN 'pdf' THEN 'application/pdf'
           WHEN 'csv' THEN 'text/csv' ELSE 'application/octet-stream' END,
         ext, NULL, CASE i % 10 WHEN 0 THEN 'cli' WHEN 1 THEN 'drop' ELSE 'watch' END, NULL,
         CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'uploaded' END,
         CASE WHEN i % 50 = 0 THEN 'Your Drive storage is full' ELSE NULL END,
         at - 60000, at - 30000, at, 30000
       FROM r`,
    ).run(count, end, spanMs);
    db.exec(
      `INSERT INTO history_fts (rowid, words)
         SELECT sort_key, 'scan ' || substr(id, 14) || ' ' || extension || ' bench run ' ||
           substr(folder_path, 11) || ' ' || machine FROM history;
       INSERT OR IGNORE INTO history_words (word) VALUES ('scan'), ('bench'), ('run'), ('jpg'),
         ('pdf'), ('csv'), ('dat');`,
    );
  });
  log(
    `inserted ${count} history records in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function finishedJob(
  i: number,
  path: string,
  finishedAt: Date,
  watched:
    { id: string; ruleId: string; folder: string; size: number; mtimeMs: number } | undefined,
): Job {
  return {
    id: watched?.id ?? `bench-job-${i}`,
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    size: watched?.size ?? 1,
    mtimeMs: watched?.mtimeMs ?? 0,
    md5: null,
    mimeType: 'application/octet-stream',
    folderPath: 'Bench',
    source: watched ? 'watch' : 'cli',
    ruleId: watched?.ruleId ?? null,
    foundIn: watched?.folder ?? null,
    followLinks: false,
    conflictPolicy: 'keep-both',
    priority: watched ? 2 : 1,
    state: 'done',
    attempts: 1,
    nextAttemptAt: null,
    error: null,
    errorKind: null,
    sessionUri: null,
    confirmedBytes: watched?.size ?? 1,
    driveFileId: `drive-${i}`,
    webViewLink: null,
    queuedAt: finishedAt,
    startedAt: finishedAt,
    finishedAt,
    updatedAt: finishedAt,
  };
}

function countRows(paths: DriveUpPaths, open?: DatabaseSync): Record<string, number> {
  const db = open ?? openDatabase(paths.databaseFile);
  try {
    const count = (table: string) =>
      Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0);
    return {
      history: count('history'),
      jobs: count('jobs'),
      journal: count('watch_journal'),
    };
  } finally {
    if (!open) db.close();
  }
}
