// The cost of watching when nothing changes: rules over large trees whose every file is already
// uploaded, at the product's default rescan interval, in this process with nothing else running.
import { stat } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import type { BenchResult } from './bench-result.ts';

type IdleEvents = WatchEvents & Record<JobOutcomeType, { job: JobOutcomeJob }>;

const RULES = 5;
const DIRS_PER_RULE = 100;
/** `settings.watch.rescanIntervalSeconds` by default; the service's own default is the same. */
const DEFAULT_RESCAN_SECONDS = 300;
const COMPARISON_RESCAN_SECONDS = 30;

/**
 * Stands in for the queue and Drive: every file handed over is reported uploaded at once, so the
 * journal ends as it does in a running agent once the backlog is in Drive.
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
  const seconds = quick ? 15 : 60;
  const comparisonSeconds = quick ? 30 : 60;
  const rssBeforeMb = mb(process.memoryUsage().rss);
  log(`idle: writing ${RULES} trees of ${perRule} files`);
  const folders: string[] = [];
  for (let r = 0; r < RULES; r++) {
    const folder = join(top, `rule-${r}`);
    folders.push(folder);
    for (let d = 0; d < DIRS_PER_RULE; d++) mkdirSync(join(folder, `d${d}`), { recursive: true });
    for (let f = 0; f < perRule; f++)
      writeFileSync(join(folder, `d${f % DIRS_PER_RULE}`, `f${f}.dat`), 'x');
  }
  const db = openAgentDatabase(join(top, 'data', 'driveup.db'));
  const sink = new InstantUploads();
  const open = (rescanIntervalMs?: number) =>
    new WatchService({
      db,
      sink,
      machineName: 'bench',
      protectedDirs: [join(top, 'data')],
      events: sink.bus,
      ...(rescanIntervalMs ? { rescanIntervalMs } : {}),
    });
  let service = open();
  // As the agent records a finished job's journal entry (UploadQueue.finishing).
  sink.bus.on('job.done', ({ job }) => void service.handleJobOutcome('job.done', job));
  try {
    await service.start();
    for (const folder of folders) await service.addRule({ folder, stabilityWindowMs: 500 });
    await allUploaded(service, RULES * perRule);

    const rescan = await measure(() => service.rescan());
    const rescanCpuMs = rescan.cpuMs;

    log(`idle: ${seconds} s at the default rescan interval (${DEFAULT_RESCAN_SECONDS} s)`);
    const atDefault = await idleWindow(sink.bus, seconds);
    const rssMb = mb(process.memoryUsage().rss);
    await service.stop();

    service = open(COMPARISON_RESCAN_SECONDS * 1000);
    await service.start();
    log(`idle: ${comparisonSeconds} s with a rescan every ${COMPARISON_RESCAN_SECONDS} s`);
    const atComparison = await idleWindow(sink.bus, comparisonSeconds);

    const files = RULES * perRule;
    return [
      {
        metric: 'watch_idle_cpu_percent',
        value: round2(atDefault.cpuPercent),
        unit: '%',
        goal: '≤ 1',
        note:
          `share of one core over ${seconds} s, ${RULES} rules × ${perRule} files, ` +
          `rescan every ${DEFAULT_RESCAN_SECONDS} s (the default)` +
          (quick ? '; quick run: fewer files, shorter window' : ''),
        quick,
        seconds,
        files,
        rescanIntervalSeconds: DEFAULT_RESCAN_SECONDS,
        rescansInWindow: atDefault.rescans,
        // A window shorter than the interval may hold no rescan: add one's cost, spread over it.
        withRescanAmortizedPercent: round2(
          atDefault.cpuPercent + (rescanCpuMs / (DEFAULT_RESCAN_SECONDS * 1000)) * 100,
        ),
        rescanAllCpuMs: Math.round(rescanCpuMs),
        [`at${COMPARISON_RESCAN_SECONDS}sRescanPercent`]: round2(atComparison.cpuPercent),
        [`at${COMPARISON_RESCAN_SECONDS}sRescanWindowSeconds`]: comparisonSeconds,
        [`at${COMPARISON_RESCAN_SECONDS}sRescansInWindow`]: atComparison.rescans,
      },
      {
        metric: 'watch_rss_mb',
        value: rssMb,
        unit: 'MB',
        note: 'whole process after the idle window; measured before the burst ran',
        quick,
        files,
        rssBeforeTreesMb: rssBeforeMb,
      },
      {
        metric: 'watch_rescan_ms_per_rule',
        value: Math.round(rescan.wallMs / RULES),
        unit: 'ms',
        note: `all ${RULES} rules rescanned at once; wall time divided by rules`,
        quick,
        files: perRule,
      },
    ];
  } finally {
    await service.stop();
    db.close();
    rmSync(top, { recursive: true, force: true });
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

/** CPU time over wall time while nothing changes; counts the rescans that began meanwhile. */
async function idleWindow(
  bus: EventBus<IdleEvents>,
  seconds: number,
): Promise<{ cpuPercent: number; rescans: number }> {
  let starts = 0;
  const off = bus.on('watch.rule', ({ state }) => {
    if (state === 'scanning') starts++;
  });
  const { cpuMs, wallMs } = await measure(
    () => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
  );
  off();
  return { cpuPercent: (cpuMs / wallMs) * 100, rescans: starts / RULES };
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

function round2(n: number): number {
  return Number(n.toFixed(2));
}
