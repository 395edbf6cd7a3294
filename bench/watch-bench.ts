// Watch folders: a burst of files written by another process, and the cost of idle watching.
// Counted through a recording sink (the port the agent wires to the real queue), not the queue.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/core/store/database.ts';
import { WatchService } from '../src/core/watch/watch-service.ts';
import type { WatchQueueItem, WatchSink } from '../src/core/watch/watch-sink.ts';
import type { BenchResult } from './bench-result.ts';

export interface WatchBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

class CountingSink implements WatchSink {
  readonly queuedAt = new Map<string, number[]>();
  /** path → versions (size:mtime) queued: the same version twice is a duplicate upload. */
  readonly versions = new Map<string, string[]>();
  total = 0;
  #next = 1;
  #onItem: (() => void) | undefined;

  async enqueue(items: WatchQueueItem[]): Promise<Array<{ jobId: string }>> {
    const now = Date.now();
    for (const item of items) {
      push(this.queuedAt, item.path, now);
      const stats = statSync(item.path, { throwIfNoEntry: false });
      push(this.versions, item.path, stats ? `${stats.size}:${stats.mtimeMs}` : 'gone');
    }
    this.total += items.length;
    this.#onItem?.();
    return items.map(() => ({ jobId: `job-${this.#next++}` }));
  }

  duplicates(): number {
    let count = 0;
    for (const versions of this.versions.values())
      count += versions.length - new Set(versions).size;
    return count;
  }

  /** Resolves when `count` distinct files arrived, or after `timeoutMs` (then some were missed). */
  waitForDistinct(count: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#onItem = () => {
        if (this.queuedAt.size < count) return;
        clearTimeout(timer);
        resolve();
      };
      this.#onItem();
    });
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

// The writer runs in another process, as a camera or instrument would. It writes the files
// (10% through a temporary name and a rename, 1% slowly in five appends over ~2.5 s) and prints
// a manifest: each file's relative path and when its last byte was written.
const WRITER = `
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [root, total] = [process.argv[1], Number(process.argv[2])];
const dirs = [];
for (let i = 0; i < 50; i++) dirs.push('existing-' + i);
for (let i = 0; i < 50; i++) dirs.push('new-' + i + '/deep/er');
const done = [];
const slow = [];
// Slow files grow every 300 ms (well inside the window) while the burst goes on.
const grow = setInterval(() => { for (const rel of slow) appendFileSync(join(root, rel), ' more'); }, 300);
for (let n = 0; n < total; n++) {
  if (n % 200 === 0) await new Promise((r) => setImmediate(r));
  const dir = dirs[n % dirs.length];
  if (n < dirs.length && dir.startsWith('new-')) mkdirSync(join(root, dir), { recursive: true });
  const rel = dir + '/f' + n + '.dat';
  const content = 'file ' + n + ' '.repeat(n % 200);
  if (n % 100 === 7) { writeFileSync(join(root, rel), 'start'); slow.push(rel); continue; }
  if (n % 10 === 3) {
    writeFileSync(join(root, rel + '.part'), content);
    renameSync(join(root, rel + '.part'), join(root, rel));
  } else writeFileSync(join(root, rel), content);
  done.push([rel, Date.now()]);
}
await new Promise((r) => setTimeout(r, 1500));
clearInterval(grow);
for (const rel of slow) appendFileSync(join(root, rel), ' end');
for (const rel of slow) done.push([rel, Date.now()]);
process.stdout.write(JSON.stringify(done));
`;

async function runWriter(root: string, total: number): Promise<Array<[string, number]>> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', WRITER, root, String(total)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`writer exited with ${code}`);
  return JSON.parse(out) as Array<[string, number]>;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function burst(quick: boolean, log: (line: string) => void): Promise<BenchResult[]> {
  const top = mkdtempSync(join(tmpdir(), 'du-wb-'));
  const root = join(top, 'watched');
  for (let i = 0; i < 50; i++) mkdirSync(join(root, `existing-${i}`), { recursive: true });
  const db = openDatabase(join(top, 'data', 'driveup.db'));
  const sink = new CountingSink();
  const windowMs = 2000;
  const service = new WatchService({
    db,
    sink,
    machineName: 'bench',
    protectedDirs: [join(top, 'data')],
    rescanIntervalMs: 300_000,
  });
  try {
    await service.start();
    const { rule } = await service.addRule({ folder: root, stabilityWindowMs: windowMs });
    const total = quick ? 5000 : 20_000;
    log(`burst: ${total} files by another process, stability window ${windowMs} ms`);
    const manifest = await runWriter(root, total);
    await sink.waitForDistinct(manifest.length, 120_000);
    // Anything still on its way would be waiting in the gate: after this rescan nothing is.
    await service.rescan(rule.id);
    const latencies: number[] = [];
    let missed = 0;
    for (const [rel, doneAt] of manifest) {
      const times = sink.queuedAt.get(join(root, rel));
      if (!times) missed++;
      else latencies.push(times[0]! - doneAt - windowMs);
    }
    const duplicates = sink.duplicates();
    return [
      { metric: 'watch_missed', value: missed, unit: 'files', goal: '0', files: manifest.length },
      {
        metric: 'watch_duplicates',
        value: duplicates,
        unit: 'files',
        goal: '0',
        note: 'same path queued twice with the same size and time',
        requeuedWithNewContent: sink.total - sink.queuedAt.size - duplicates,
      },
      {
        metric: 'watch_latency_p95_ms',
        value: Math.round(percentile(latencies, 95)),
        unit: 'ms',
        note: 'queued time minus (last write + stability window)',
        p50: Math.round(percentile(latencies, 50)),
        max: Math.round(percentile(latencies, 100)),
        windowMs,
      },
    ];
  } finally {
    await service.stop();
    db.close();
    rmSync(top, { recursive: true, force: true });
  }
}

async function idle(quick: boolean, log: (line: string) => void): Promise<BenchResult[]> {
  const top = mkdtempSync(join(tmpdir(), 'du-wi-'));
  const rules = 5;
  const perRule = quick ? 2000 : 10_000;
  for (let r = 0; r < rules; r++) {
    for (let d = 0; d < 100; d++) mkdirSync(join(top, `rule-${r}`, `d${d}`), { recursive: true });
    for (let f = 0; f < perRule; f++)
      writeFileSync(join(top, `rule-${r}`, `d${f % 100}`, `f${f}.dat`), 'x');
  }
  const db = openDatabase(join(top, 'data', 'driveup.db'));
  const sink = new CountingSink();
  const rescanSeconds = 30;
  const service = new WatchService({
    db,
    sink,
    machineName: 'bench',
    protectedDirs: [join(top, 'data')],
    rescanIntervalMs: rescanSeconds * 1000,
  });
  try {
    await service.start();
    for (let r = 0; r < rules; r++) {
      await service.addRule({ folder: join(top, `rule-${r}`), stabilityWindowMs: 500 });
    }
    await sink.waitForDistinct(rules * perRule, 120_000);
    const scanStart = performance.now();
    await service.rescan();
    const scanMs = (performance.now() - scanStart) / rules;
    const seconds = quick ? 15 : 60;
    log(
      `idle: ${rules} rules × ${perRule} files for ${seconds} s, rescan every ${rescanSeconds} s`,
    );
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = performance.now() - wallBefore;
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    return [
      {
        metric: 'watch_idle_cpu_percent',
        value: Number(cpuPercent.toFixed(2)),
        unit: '%',
        goal: '≤ 1',
        rescanIntervalSeconds: rescanSeconds,
        note: 'one core; rescans 10× more often than the default 300 s',
      },
      {
        metric: 'watch_rss_mb',
        value: Math.round(process.memoryUsage().rss / 1024 / 1024),
        unit: 'MB',
        files: rules * perRule,
      },
      { metric: 'watch_rescan_ms_per_rule', value: Math.round(scanMs), unit: 'ms', files: perRule },
    ];
  } finally {
    await service.stop();
    db.close();
    rmSync(top, { recursive: true, force: true });
  }
}

export async function runWatchBench(opts: WatchBenchOptions = {}): Promise<BenchResult[]> {
  const log = opts.log ?? (() => undefined);
  const quick = opts.quick ?? false;
  return [...(await burst(quick, log)), ...(await idle(quick, log))];
}
