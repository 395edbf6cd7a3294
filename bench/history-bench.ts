// History benchmarks: local search latency over 1,000,000 records, and outbox drain throughput.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { HistoryQueryInput } from '../src/core/history/history-query.ts';
import { historyQuerySchema } from '../src/core/history/history-query.ts';
import type { HistoryRecord } from '../src/core/history/history-record.ts';
import { extensionOf } from '../src/core/history/history-record.ts';
import { LocalHistory } from '../src/core/history/local-history.ts';
import { MongoHistory } from '../src/core/history/mongo-history.ts';
import { Outbox } from '../src/core/history/outbox.ts';
import { OutboxWorker } from '../src/core/history/outbox-worker.ts';
import { planSearch } from '../src/core/history/search-plan.ts';
import { openAgentDatabase } from '../src/core/migrations.ts';
import { transaction } from '../src/core/store/transaction.ts';
import { startMongoStandin } from '../test/support/mongo-standin/index.ts';
import type { BenchResult } from './bench-result.ts';

export interface HistoryBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
  /** Records in the local history for the search benchmark (1,000,000). */
  searchRecords?: number;
  /** Records drained to the MongoDB stand-in (100,000). */
  drainRecords?: number;
  /** Only the parts whose metric names contain this. */
  only?: string;
}

export async function runHistoryBench(opts: HistoryBenchOptions = {}): Promise<BenchResult[]> {
  const log = opts.log ?? (() => {});
  const searchRecords = opts.searchRecords ?? (opts.quick ? 100_000 : 1_000_000);
  const drainRecords = opts.drainRecords ?? (opts.quick ? 5_000 : 100_000);
  const dir = await mkdtemp(join(tmpdir(), 'du-bench-'));
  try {
    const wanted = (metric: string) => !opts.only || metric.includes(opts.only);
    return [
      ...(wanted('history_search')
        ? await searchBench(join(dir, 'search.db'), searchRecords, log)
        : []),
      ...(wanted('outbox_drain')
        ? [await drainBench(join(dir, 'drain.db'), drainRecords, log)]
        : []),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Deterministic pseudo-random numbers, so every run searches the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES =
  'ba be bi bo cal ce da de di do fa fe go ka ke ki lo lu ma me mi mo na ne no pa pe po ra re ri ro sa se si so ta te ti to va ve vi zo'.split(
    ' ',
  );
const EXTENSIONS: Array<[string, string]> = [
  ['jpg', 'image/jpeg'],
  ['png', 'image/png'],
  ['pdf', 'application/pdf'],
  ['csv', 'text/csv'],
  ['txt', 'text/plain'],
  ['tiff', 'image/tiff'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['mp4', 'video/mp4'],
];
const USERS = ['alice', 'bob', 'chloé', 'dmitri'];
const MACHINES = ['lab-pc', 'scope-1', 'scope-2', 'bench-pc'];

interface Corpus {
  vocabulary: string[];
  /** A word by Zipf rank: rank 0 is in a large share of records, the tail in a handful. */
  word: (rnd: () => number) => string;
}

function corpus(): Corpus {
  const rnd = random(7);
  const vocabulary = new Set<string>();
  while (vocabulary.size < 20_000) {
    const length = 2 + Math.floor(rnd() * 3);
    vocabulary.add(
      Array.from({ length }, () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]).join(''),
    );
  }
  const words = [...vocabulary];
  return { vocabulary: words, word: (r) => words[Math.floor(words.length ** r()) - 1]! };
}

function syntheticRecord(i: number, at: number, c: Corpus, rnd: () => number): HistoryRecord {
  const [ext, mimeType] = EXTENSIONS[Math.floor(rnd() * EXTENSIONS.length)]!;
  const day = new Date(at).toISOString().slice(0, 10);
  const name =
    rnd() < 0.3
      ? `IMG_${day.replaceAll('-', '')}_${String(i % 1_000_000).padStart(6, '0')}.${ext}`
      : `${c.word(rnd)}-${c.word(rnd)}_${i % 997}.${ext}`;
  const user = USERS[i % USERS.length]!;
  const machine = MACHINES[Math.floor(rnd() * MACHINES.length)]!;
  const project = c.word(rnd);
  const folderPath = `DriveUp/${machine}/${day.slice(0, 7)}/${project}`;
  const status = rnd() < 0.02 ? 'failed' : rnd() < 0.05 ? 'skipped' : 'uploaded';
  return {
    id: `job-${i}`,
    name,
    path: `/home/${user}/data/${project}/${c.word(rnd)}/${name}`,
    machine,
    accountEmail: `${user}@example.com`,
    driveFileId: status === 'failed' ? null : `drive-${i}`,
    webViewLink: status === 'failed' ? null : `https://drive.google.com/file/d/drive-${i}/view`,
    folderPath,
    size: Math.floor(rnd() * 50_000_000),
    mimeType,
    extension: extensionOf(name),
    md5: null,
    source: rnd() < 0.7 ? 'watch' : rnd() < 0.8 ? 'cli' : 'drop',
    ruleId: null,
    status,
    error: status === 'failed' ? 'Your Drive storage is full' : null,
    queuedAt: new Date(at - 60_000),
    startedAt: new Date(at - 30_000),
    finishedAt: new Date(at),
    durationMs: 30_000,
    trashedAt: null,
  };
}

const START = Date.parse('2025-01-01T00:00:00Z');
const SPAN_MS = 2 * 365 * 24 * 3_600_000;

function fill(db: DatabaseSync, count: number, c: Corpus, log: (line: string) => void): void {
  const local = new LocalHistory(db);
  const rnd = random(42);
  const started = performance.now();
  const batch = 50_000;
  for (let from = 0; from < count; from += batch) {
    transaction(db, () => {
      for (let i = from; i < Math.min(count, from + batch); i++) {
        // Mostly in finishing order, with jitter: concurrent uploads finish out of order.
        const at = START + Math.floor((i / count) * SPAN_MS) + Math.floor(rnd() * 120_000);
        local.insert(syntheticRecord(i, at, c, rnd));
      }
    });
  }
  log(`inserted ${count} records in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

type Mix = Array<[kind: string, query: (rnd: () => number) => HistoryQueryInput]>;

function queryMix(c: Corpus): Mix {
  const tail = (rnd: () => number) =>
    c.vocabulary[c.vocabulary.length - 1 - Math.floor(rnd() * 5000)]!;
  const month = (rnd: () => number) => {
    const from = START + Math.floor(rnd() * (SPAN_MS - 30 * 86_400_000));
    return { from: new Date(from), to: new Date(from + 30 * 86_400_000) };
  };
  return [
    ['rare word', (rnd) => ({ text: tail(rnd) })],
    ['common word', () => ({ text: 'driveup' })],
    ['common word 2', () => ({ text: 'img' })],
    [
      'prefix 1-2 letters',
      (rnd) => ({
        text: SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]!.slice(0, 1 + Math.floor(rnd() * 2)),
      }),
    ],
    ['prefix 5-6 letters', (rnd) => ({ text: c.word(rnd).slice(0, 5 + Math.floor(rnd() * 2)) })],
    ['two words', (rnd) => ({ text: `${c.vocabulary[0]} ${c.word(rnd)}` })],
    ['date range with text', (rnd) => ({ ...month(rnd), text: 'jpg' })],
    ['date range with rare text', (rnd) => ({ ...month(rnd), text: c.word(rnd) })],
    [
      'filter without text',
      (rnd) =>
        [
          { status: 'failed' },
          { source: 'drop' },
          { extension: 'pdf' },
          { mimeType: 'image/*' },
          { machine: 'scope-2' },
        ][Math.floor(rnd() * 5)]! as HistoryQueryInput,
    ],
    ['filter and text', () => ({ status: 'failed', text: 'driveup' })],
    ['second page', () => ({ text: 'img' })],
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function searchBench(
  file: string,
  count: number,
  log: (line: string) => void,
): Promise<BenchResult[]> {
  const db = openAgentDatabase(file);
  const c = corpus();
  fill(db, count, c, log);
  db.exec('ANALYZE');
  const local = new LocalHistory(db);
  const rnd = random(99);
  const timings: number[] = [];
  const byKind = new Map<string, number[]>();
  const rounds = 100;
  for (let round = 0; round < rounds; round++) {
    for (const [kind, make] of queryMix(c)) {
      let input = make(rnd);
      if (kind === 'second page') {
        const first = local.search(planSearch(historyQuerySchema.parse(input)));
        input = { ...input, cursor: first.nextCursor ?? undefined };
      }
      const plan = planSearch(historyQuerySchema.parse({ limit: 50, ...input }));
      const started = performance.now();
      local.search(plan);
      const elapsed = performance.now() - started;
      if (round === 0) continue; // warm-up
      timings.push(elapsed);
      byKind.set(kind, [...(byKind.get(kind) ?? []), elapsed]);
    }
  }
  db.close();
  timings.sort((a, b) => a - b);
  const perKind = Object.fromEntries(
    [...byKind].map(([kind, list]) => [
      kind,
      +percentile(
        list.sort((a, b) => a - b),
        95,
      ).toFixed(2),
    ]),
  );
  log(`p95 by kind (ms): ${JSON.stringify(perKind)}`);
  return [
    {
      metric: 'history_search_p95_ms',
      value: +percentile(timings, 95).toFixed(2),
      unit: 'ms',
      goal: '≤ 20 ms over 1,000,000 records',
      records: count,
      queries: timings.length,
      p50_ms: +percentile(timings, 50).toFixed(2),
      max_ms: +timings.at(-1)!.toFixed(2),
      p95_by_kind_ms: perKind,
    },
  ];
}

async function drainBench(
  file: string,
  count: number,
  log: (line: string) => void,
): Promise<BenchResult> {
  const db = openAgentDatabase(file);
  const c = corpus();
  const local = new LocalHistory(db);
  const outbox = new Outbox(db);
  const rnd = random(3);
  transaction(db, () => {
    for (let i = 0; i < count; i++) {
      const stored = local.insert(syntheticRecord(i, START + i * 1000, c, rnd));
      outbox.enqueueUpsert(stored.record.id);
    }
  });
  const standin = await startMongoStandin();
  const mongo = new MongoHistory({ uri: standin.uri, database: 'driveup_bench' });
  await mongo.ensureIndexes();
  // The stand-in finds an upsert's document by scanning the collection, so this rate falls as the
  // collection grows (quadratic in total); a real server looks the _id up in its index.
  log(`draining ${count} records to the MongoDB stand-in…`);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const worker = new OutboxWorker({
      outbox,
      target: mongo,
      onStatus: (status) => {
        if (status.state !== 'idle') return;
        void worker.stop().then(resolve);
      },
    });
    worker.start();
  });
  const seconds = (performance.now() - started) / 1000;
  const stored = standin.collection('driveup_bench', 'history').length;
  log(`drained ${count} records in ${seconds.toFixed(1)} s; the stand-in holds ${stored}`);
  await mongo.close();
  await standin.close();
  db.close();
  return {
    metric: 'outbox_drain_records_per_s',
    value: Math.round(count / seconds),
    unit: 'records/s',
    records: count,
    // The stand-in's own speed bounds this figure; a real server is another measurement.
    target: 'mongodb wire-protocol stand-in (upserts by _id through its _id index)',
  };
}
