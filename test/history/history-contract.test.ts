import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryQueryInput } from '../../src/core/history/history-query.ts';
import { historyQuerySchema } from '../../src/core/history/history-query.ts';
import type { HistoryRecord } from '../../src/core/history/history-record.ts';
import { MongoHistory } from '../../src/core/history/mongo-history.ts';
import type { Job } from '../../src/core/queue/job.ts';
import { planSearch } from '../../src/core/history/search-plan.ts';
import { finishedJob, minutesAfterBase } from './history-fixtures.ts';
import type { LocalParts } from './history-harness.ts';
import { drainOutbox, openLocalParts } from './history-harness.ts';
import type { MongoTarget } from './mongo-target.ts';
import { openMongoTarget } from './mongo-target.ts';

const LONG_WORD = 'supercalifragilisticexpialidocious'; // 34 letters: past MongoDB's stored prefixes

/** [job, machine]: a small history with the shapes search must get right. */
const FIXTURE: Array<[Job, string]> = [
  [
    finishedJob({
      minute: 0,
      name: 'Résumé Été 2026.pdf',
      folderPath: 'DriveUp/lab-pc/Docs',
      mimeType: 'application/pdf',
    }),
    'lab-pc',
  ],
  [
    finishedJob({
      minute: 1,
      name: 'resume-draft.docx',
      folderPath: 'DriveUp/lab-pc/Docs',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      source: 'cli',
    }),
    'lab-pc',
  ],
  [
    finishedJob({
      minute: 2,
      name: 'IMG_2034.JPG',
      folderPath: 'DriveUp/lab-pc/Photos',
      mimeType: 'image/jpeg',
      source: 'watch',
      ruleId: 'camera',
    }),
    'lab-pc',
  ],
  [
    finishedJob({
      minute: 3,
      name: 'IMG_2035.jpg',
      folderPath: 'DriveUp/lab-pc/Photos/2026',
      mimeType: 'image/jpeg',
      source: 'watch',
      ruleId: 'camera',
      state: 'failed',
      error: 'Your Drive storage is full',
      driveFileId: null,
      webViewLink: null,
    }),
    'lab-pc',
  ],
  [
    finishedJob({
      minute: 4,
      name: 'scan.png',
      folderPath: 'DriveUp/lab-pc2',
      mimeType: 'image/png',
      state: 'cancelled',
      startedAt: null,
      driveFileId: null,
      webViewLink: null,
    }),
    'lab-pc',
  ],
  [
    finishedJob({
      minute: 5,
      name: 'notes.txt',
      path: '/home/alice/Projects/Straße/notes.txt',
      folderPath: 'DriveUp/lab-pc',
    }),
    'lab-pc',
  ],
  [
    finishedJob({
      minute: 6,
      name: 'report-final.pdf',
      folderPath: 'DriveUp/bench-pc',
      mimeType: 'application/pdf',
    }),
    'bench-pc',
  ],
  [
    finishedJob({
      minute: 7,
      name: 'reporting.xlsx',
      folderPath: 'DriveUp/bench-pc',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    }),
    'bench-pc',
  ],
  [finishedJob({ minute: 8, name: 'tie-a.csv', mimeType: 'text/csv' }), 'lab-pc'],
  [finishedJob({ minute: 8, name: 'tie-b.csv', mimeType: 'text/csv' }), 'lab-pc'],
  [finishedJob({ minute: 9, name: 'Makefile', mimeType: 'text/x-makefile' }), 'lab-pc'],
  [finishedJob({ minute: 10, name: `${LONG_WORD}.txt` }), 'lab-pc'],
  [finishedJob({ minute: 11, name: 'データ.csv', mimeType: 'text/csv' }), 'lab-pc'],
];

const ALL_NEWEST_FIRST = [
  'データ.csv',
  `${LONG_WORD}.txt`,
  'Makefile',
  'tie-b.csv',
  'tie-a.csv',
  'reporting.xlsx',
  'report-final.pdf',
  'notes.txt',
  'scan.png',
  'IMG_2035.jpg',
  'IMG_2034.JPG',
  'resume-draft.docx',
  'Résumé Été 2026.pdf',
];

/** What users rely on, query by query: the names found, newest first. */
const CASES: Array<[string, HistoryQueryInput, string[]]> = [
  ['everything, newest first; same-ms ties in the order they finished', {}, ALL_NEWEST_FIRST],
  ['accents and case ignored', { text: 'RÉSUMÉ' }, ['resume-draft.docx', 'Résumé Été 2026.pdf']],
  ['the last word is a prefix', { text: 'res' }, ['resume-draft.docx', 'Résumé Été 2026.pdf']],
  ['earlier words match whole', { text: 'ete 2026' }, ['Résumé Été 2026.pdf']],
  ['a word of the folder', { text: 'photos' }, ['IMG_2035.jpg', 'IMG_2034.JPG']],
  ['a word of the local path only', { text: 'strasse' }, ['notes.txt']],
  ['ß folds to ss in the query too', { text: 'Straße' }, ['notes.txt']],
  ['punctuation splits words', { text: 'img_203' }, ['IMG_2035.jpg', 'IMG_2034.JPG']],
  ['two words', { text: 'img 2034' }, ['IMG_2034.JPG']],
  ['whole word is not a prefix', { text: 'report pdf' }, ['report-final.pdf']],
  ['prefix of several words', { text: 'report' }, ['reporting.xlsx', 'report-final.pdf']],
  ['a long word as a prefix', { text: LONG_WORD.slice(0, 33) }, [`${LONG_WORD}.txt`]],
  ['a long prefix that differs late', { text: `${LONG_WORD.slice(0, 33)}z` }, []],
  ['a word in another script', { text: 'データ' }, ['データ.csv']],
  ['no word at all is no text filter', { text: ' -- ' }, ALL_NEWEST_FIRST],
  ['no match', { text: 'nothing-like-this' }, []],
  ['status', { status: 'failed' }, ['IMG_2035.jpg']],
  ['several statuses', { status: ['cancelled', 'failed'] }, ['scan.png', 'IMG_2035.jpg']],
  ['source', { source: 'watch' }, ['IMG_2035.jpg', 'IMG_2034.JPG']],
  ['machine', { machine: 'bench-pc' }, ['reporting.xlsx', 'report-final.pdf']],
  [
    'folder with its subfolders, not its look-alike sibling',
    { folder: 'DriveUp/lab-pc' },
    ALL_NEWEST_FIRST.filter((n) => !['scan.png', 'reporting.xlsx', 'report-final.pdf'].includes(n)),
  ],
  [
    'folder given with a trailing slash',
    { folder: 'DriveUp/lab-pc/Photos/' },
    ['IMG_2035.jpg', 'IMG_2034.JPG'],
  ],
  ['extension, any case and dot', { extension: '.JPG' }, ['IMG_2035.jpg', 'IMG_2034.JPG']],
  ['MIME family', { mimeType: 'image/*' }, ['scan.png', 'IMG_2035.jpg', 'IMG_2034.JPG']],
  [
    'MIME family by its top level',
    { mimeType: 'image' },
    ['scan.png', 'IMG_2035.jpg', 'IMG_2034.JPG'],
  ],
  ['exact MIME type', { mimeType: 'image/png' }, ['scan.png']],
  [
    'date range: from inclusive, to exclusive',
    { from: minutesAfterBase(2), to: minutesAfterBase(5) },
    ['scan.png', 'IMG_2035.jpg', 'IMG_2034.JPG'],
  ],
  [
    'date range as ISO strings, with text',
    { from: minutesAfterBase(3).toISOString(), to: minutesAfterBase(8).toISOString(), text: 'pdf' },
    ['report-final.pdf'],
  ],
  ['text and a filter', { text: 'img', status: 'uploaded' }, ['IMG_2034.JPG']],
  [
    'text and folder',
    { text: 'csv', folder: 'DriveUp/lab-pc' },
    ['データ.csv', 'tie-b.csv', 'tie-a.csv'],
  ],
];

/** Both backends, loaded with the same records through the real path: recorder → outbox → worker. */
describe('history search contract: local FTS5 and MongoDB answer alike', () => {
  let dir: string;
  let parts: LocalParts;
  let target: MongoTarget;
  let mongo: MongoHistory;
  let records: HistoryRecord[];

  beforeAll(async () => {
    // The parts stay open across tests, so the directory lives as long as the suite.
    dir = await mkdtemp(join(tmpdir(), 'du-'));
    parts = openLocalParts(dir);
    records = FIXTURE.map(([job, machine]) =>
      parts.recorder.record(job, { machineName: machine, accountEmail: 'alice@example.com' }),
    );
    target = await openMongoTarget();
    mongo = new MongoHistory({ uri: target.uri, database: target.database });
    await drainOutbox(parts.outbox, mongo);
  });

  afterAll(async () => {
    await mongo?.close();
    await target?.close();
    parts?.db.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function both(input: HistoryQueryInput) {
    const plan = planSearch(historyQuerySchema.parse(input));
    return { local: parts.local.search(plan), mongodb: await mongo.search(plan) };
  }

  it.each(CASES)('%s', async (_title, input, expected) => {
    const { local, mongodb } = await both(input);
    expect(local.items.map((r) => r.name)).toEqual(expected);
    expect(mongodb).toEqual(local);
  });

  it('pages through every query the same way, none lost or repeated', async () => {
    for (const [, input, expected] of CASES) {
      for (const backend of ['local', 'mongodb'] as const) {
        const names: string[] = [];
        let cursor: string | undefined;
        do {
          const page = (await both({ ...input, limit: 2, cursor }))[backend];
          names.push(...page.items.map((r) => r.name));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(names).toEqual(expected);
      }
    }
  });

  it('accepts a cursor from either backend (search falls back mid-paging)', async () => {
    const first = await both({ limit: 4 });
    const fromMongo = await both({ limit: 4, cursor: first.mongodb.nextCursor! });
    expect(fromMongo.local.items.map((r) => r.name)).toEqual(ALL_NEWEST_FIRST.slice(4, 8));
    expect(fromMongo.mongodb).toEqual(fromMongo.local);
  });

  it('gets a record by id, whole, from both', async () => {
    for (const record of records) {
      expect(parts.local.get(record.id)?.record).toEqual(record);
      expect((await mongo.get(record.id))?.record).toEqual(record);
    }
    expect(await mongo.get('no-such-job')).toBeNull();
  });
});
