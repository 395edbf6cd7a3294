// The cost of watching when nothing changes: rules over large trees whose every file is already
// uploaded, in a real `driveup agent` process of its own (its memory and CPU, read from /proc, are
// the agent's alone), at the default rescan interval and at a short one.
import { stat } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../src/core/config/paths.ts';
import { EventBus } from '../src/core/events/event-bus.ts';
import { openAgentDatabase } from '../src/core/migrations.ts';
import { WatchService } from '../src/core/watch/watch-service.ts';
import type { WatchEvents } from '../src/core/watch/watch-events.ts';
import type {
  JobOutcomeJob,
  JobOutcomeType,
  WatchQueueItem,
  WatchSink,
} from '../src/core/watch/watch-sink.ts';
import { fakeGoogleEnv } from '../test/support/fake-google-env.ts';
import {
  bundledCli,
  bundledSignIn,
  idleCpuPercent,
  processCost,
  startBundledAgent,
} from './agent-process.ts';
import type { BenchResult } from './bench-result.ts';
import { startFakeGoogleProcess } from './fake-google-process.ts';

type IdleEvents = WatchEvents & Record<JobOutcomeType, { job: JobOutcomeJob }>;

const RULES = 5;
const DIRS_PER_RULE = 100;
/** `settings.watch.rescanIntervalSeconds` by default. */
const DEFAULT_RESCAN_SECONDS = 300;
/** What people set on network shares; the figure the goal is about. */
const SHORT_RESCAN_SECONDS = 30;

/**
 * Stands in for the queue and Drive while the journal is filled: every file handed over is
 * reported uploaded at once, so the journal ends as it does in a running agent once the backlog is
 * in Drive.
 */
class InstantUploads implements WatchSink {
  readonly bus = new EventBus<IdleEvents>({ replayLimit: 1 });
  #next = 1;

  async enqueue(items: WatchQueueItem[]): Promise<Array<{ jobId: string }>> {
    const jobs = await Promise.all(
      items.map(async (item): Promise<JobOutcomeJob> => {
        const found = await stat(item.path);
        return {
          id: `job-${this.#next++}`,
          path: item.path,
          size: found.size,
          mtimeMs: found.mtimeMs,
          md5: null,
          driveFileId: `drive-${this.#next}`,
          ruleId: item.ruleId,
          source: 'watch',
        };
      }),
    );
    // Reported after the hand-over returns, as the queue would.
    setImmediate(() => {
      for (const job of jobs) this.bus.emit('job.done', { job });
    });
    return jobs.map((job) => ({ jobId: job.id }));
  }
}

export async function idle(quick: boolean, log: (line: string) => void): Promise<BenchResult[]> {
  const top = mkdtempSync(join(tmpdir(), 'du-wi-'));
  const perRule = quick ? 2000 : 10_000;
  const seconds = quick ? 20 : 60;
  // Whole rescan intervals, so each window holds the same number of rescans.
  const shortSeconds = 2 * SHORT_RESCAN_SECONDS;
  const fake = await startFakeGoogleProcess();
  const env = { ...process.env, ...fakeGoogleEnv(fake.url, join(top, 'home')) };
  const paths = resolvePaths({ env });
  try {
    log(`idle: writing ${RULES} trees of ${perRule} files`);
    const folders = writeTrees(top, RULES, perRule);
    log('idle: journalling every file as uploaded, in this process');
    const rescan = await journalAll(paths, folders, RULES * perRule);

    log('idle: a signed-in agent process over those rules');
    const agent = await startBundledAgent(env);
    try {
      await bundledSignIn(env);
      log(`idle: ${seconds} s at the default rescan interval (${DEFAULT_RESCAN_SECONDS} s)`);
      const atDefault = await idleCpuPercent(agent.pid, seconds);
      const afterDefault = processCost(agent.pid);
      await bundledCli(
        ['settings', 'set', 'watch.rescanIntervalSeconds', String(SHORT_RESCAN_SECONDS)],
        env,
      );
      log(`idle: ${shortSeconds} s with a rescan every ${SHORT_RESCAN_SECONDS} s`);
      const atShort = await idleCpuPercent(agent.pid, shortSeconds);
      const after = processCost(agent.pid);
      const files = RULES * perRule;
      return [
        {
          metric: 'watch_idle_cpu_percent',
          value: round2(atShort),
          unit: '%',
          goal: '≤ 1',
          note:
            `share of one core used by the agent process over ${shortSeconds} s, ${RULES} rules × ` +
            `${perRule} files all uploaded, a rescan every ${SHORT_RESCAN_SECONDS} s` +
            (quick ? '; quick run: fewer files, shorter window' : ''),
          quick,
          seconds: shortSeconds,
          files,
          rescanIntervalSeconds: SHORT_RESCAN_SECONDS,
          atDefaultIntervalPercent: round2(atDefault),
          atDefaultIntervalSeconds: seconds,
          defaultIntervalSeconds: DEFAULT_RESCAN_SECONDS,
          rescanAllCpuMsInBench: Math.round(rescan.cpuMs),
        },
        {
          metric: 'watch_rss_mb',
          value: after.rssMb,
          unit: 'MB',
          goal: '≤ 200',
          note: `the agent process's resident memory after the idle windows (${files} files journalled)`,
          quick,
          files,
          afterDefaultWindowMb: afterDefault.rssMb,
          peakMb: after.peakRssMb,
          agentStartSeconds: round2(agent.startedMs / 1000),
        },
        {
          metric: 'watch_rescan_ms_per_rule',
          value: Math.round(rescan.wallMs / RULES),
          unit: 'ms',
          note: `all ${RULES} rules rescanned at once in the benchmark's process; wall time divided by rules`,
          quick,
          files: perRule,
        },
      ];
    } finally {
      await agent.stop();
    }
  } finally {
    await fake.stop();
    rmSync(top, { recursive: true, force: true });
  }
}

/** `rules` folders of `perRule` one-byte files each, spread over 100 subfolders. */
export function writeTrees(top: string, rules: number, perRule: number): string[] {
  const folders: string[] = [];
  for (let r = 0; r < rules; r++) {
    const folder = join(top, `rule-${r}`);
    folders.push(folder);
    for (let d = 0; d < DIRS_PER_RULE; d++) mkdirSync(join(folder, `d${d}`), { recursive: true });
    for (let f = 0; f < perRule; f++)
      writeFileSync(join(folder, `d${f % DIRS_PER_RULE}`, `f${f}.dat`), 'x');
  }
  return folders;
}

/**
 * Fills the agent's database with the rules and a journal that says every file is uploaded, as
 * the watch service itself writes it; times one full rescan of all rules on the way.
 */
export async function journalAll(
  paths: ReturnType<typeof resolvePaths>,
  folders: string[],
  files: number,
): Promise<{ cpuMs: number; wallMs: number }> {
  const db = openAgentDatabase(paths.databaseFile);
  const sink = new InstantUploads();
  const service = new WatchService({
    db,
    sink,
    machineName: 'bench',
    protectedDirs: [paths.dataDir, paths.stateDir],
    events: sink.bus,
  });
  // As the agent records a finished job's journal entry (UploadQueue.finishing).
  sink.bus.on('job.done', ({ job }) => void service.handleJobOutcome('job.done', job));
  try {
    await service.start();
    for (const folder of folders) await service.addRule({ folder, stabilityWindowMs: 500 });
    await allUploaded(service, files);
    return await measure(() => service.rescan());
  } finally {
    await service.stop();
    db.close();
  }
}

/** The journal says every file is uploaded (the first scans hand them over, the sink reports). */
async function allUploaded(service: WatchService, files: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    await service.whenIdle();
    const uploaded = service.listRules().reduce((sum, rule) => sum + rule.counts.uploaded, 0);
    if (uploaded >= files) return;
    if (Date.now() > deadline) throw new Error(`only ${uploaded} of ${files} files uploaded`);
    // The reports arrive on later turns of the event loop than the hand-over.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measure(work: () => Promise<void>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await work();
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wallBefore };
}

function round2(n: number): number {
  return Number(n.toFixed(2));
}
