import type { Migration } from '../store/migration.ts';

/**
 * Schema step 4: upload history and outbox.
 *
 * `history.sort_key` is the rowid and the FTS5 rowid: finished time in ms × 1024 plus a tie
 * counter (see sort-key.ts). Newest first is then plain rowid order, which FTS5 walks backwards
 * and stops after a page (ORDER BY rowid DESC LIMIT n) instead of ranking every match, and a date
 * range becomes a rowid range FTS5 applies inside its doclists. Each filter index ends, implicitly,
 * in the rowid, so a filter without text also reads newest first and stops after a page.
 *
 * The FTS table is contentless: it stores only the words (see search-tokens.ts), which the code
 * computes, so the same words go to MongoDB. `prefix` indexes 1–4 letter prefixes because typing
 * a first letter or two is the common search-as-you-type case and would otherwise merge the
 * doclists of thousands of words.
 *
 * FTS5 answers a longer prefix by merging the doclists of every word it covers into one list in
 * memory before the first row comes out: for a word in most records ("driveup") that is tens of
 * ms on a million rows, whatever the LIMIT. `history_words` lists the words seen, so a longer
 * prefix is first expanded to the few words it covers and asked as an OR of whole words, which
 * FTS5 reads lazily, newest first, like a single word (see LocalHistory).
 *
 * The outbox holds what MongoDB has not acknowledged yet: an upsert points at a history row (the
 * worker reads the row at send time, so a record replaced meanwhile is sent in its latest form),
 * a clear carries the machine and date so it reaches MongoDB in order with the upserts.
 */
export const historyMigration: Migration = {
  version: 4,
  name: 'upload history and outbox',
  up: `
    CREATE TABLE history (
      sort_key INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      path TEXT NOT NULL,
      machine TEXT NOT NULL,
      account_email TEXT,
      drive_file_id TEXT,
      web_view_link TEXT,
      folder_path TEXT NOT NULL,
      size INTEGER NOT NULL,
      mime_type TEXT NOT NULL,
      extension TEXT NOT NULL,
      md5 TEXT,
      source TEXT NOT NULL CHECK (source IN ('drop', 'watch', 'cli')),
      rule_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('uploaded', 'skipped', 'failed', 'cancelled')),
      error TEXT,
      queued_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER NOT NULL,
      duration_ms INTEGER
    ) STRICT;
    CREATE INDEX history_status ON history (status);
    CREATE INDEX history_source ON history (source);
    CREATE INDEX history_machine ON history (machine);
    CREATE INDEX history_folder ON history (folder_path);
    CREATE INDEX history_extension ON history (extension);
    CREATE INDEX history_mime_type ON history (mime_type);

    CREATE VIRTUAL TABLE history_fts USING fts5 (
      words,
      content = '',
      contentless_delete = 1,
      prefix = '1 2 3 4',
      tokenize = 'unicode61 remove_diacritics 2'
    );

    CREATE TABLE history_words (word TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

    CREATE TABLE history_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL CHECK (kind IN ('upsert', 'clear')),
      record_id TEXT,
      machine TEXT,
      before_ms INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      CHECK ((kind = 'upsert') = (record_id IS NOT NULL))
    ) STRICT;
    CREATE INDEX history_outbox_record ON history_outbox (record_id) WHERE record_id IS NOT NULL;
  `,
};
