import type { JobSource } from '../queue/job.ts';
import type { HistoryCursor, HistoryQuery } from './history-query.ts';
import { decodeCursor, encodeCursor } from './history-query.ts';
import type { HistoryRecord, HistoryStatus } from './history-record.ts';
import { normaliseExtension } from './history-record.ts';
import type { TextQuery } from './search-tokens.ts';
import { parseTextQuery } from './search-tokens.ts';
import { firstKeyAt } from './sort-key.ts';

/** Strings starting with a prefix, as an index range both backends can seek: gte ≤ s < lt. */
export interface PrefixRange {
  gte: string;
  lt: string;
}

/**
 * A validated query reduced to what both backends apply the same way, so that the translation to
 * SQL and to a MongoDB filter is mechanical and the two cannot drift apart in meaning.
 */
export interface SearchPlan {
  text: TextQuery | null;
  /** Sort keys from (inclusive) … */
  minKey: number | null;
  /** … to (exclusive). */
  maxKey: number | null;
  /** Only records after this one in newest-first order. */
  after: HistoryCursor | null;
  statuses: HistoryStatus[] | null;
  sources: JobSource[] | null;
  machine: string | null;
  /** The folder itself, or anything below it. */
  folder: { exact: string; below: PrefixRange } | null;
  extension: string | null;
  mimeType: { exact: string } | { family: PrefixRange } | null;
  limit: number;
}

/** A record with its place in newest-first order. */
export interface StoredRecord {
  record: HistoryRecord;
  sortKey: number;
}

export function planSearch(query: HistoryQuery): SearchPlan {
  return {
    text: parseTextQuery(query.text),
    minKey: query.from ? firstKeyAt(query.from.getTime()) : null,
    maxKey: query.to ? firstKeyAt(query.to.getTime()) : null,
    after: query.cursor ? decodeCursor(query.cursor) : null,
    statuses: query.status ?? null,
    sources: query.source ?? null,
    machine: query.machine ?? null,
    folder: query.folder ? folderPlan(query.folder) : null,
    extension: query.extension ? normaliseExtension(query.extension) : null,
    mimeType: query.mimeType ? mimeTypePlan(query.mimeType) : null,
    limit: query.limit,
  };
}

export function prefixRange(prefix: string): PrefixRange {
  const last = prefix.codePointAt(prefix.length - 1) ?? 0;
  const head = prefix.slice(0, prefix.length - String.fromCodePoint(last).length);
  return { gte: prefix, lt: head + String.fromCodePoint(last + 1) };
}

/**
 * Backends are asked for one record more than the page holds: its presence is how we know there
 * is a next page without counting.
 */
export function pageOf(rows: StoredRecord[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ sortKey: last.sortKey, id: last.record.id })
      : null;
  return { items: items.map((row) => row.record), nextCursor };
}

function folderPlan(folder: string): SearchPlan['folder'] {
  const exact = folder.replace(/\/+$/, '') || '/';
  return { exact, below: prefixRange(exact.endsWith('/') ? exact : `${exact}/`) };
}

function mimeTypePlan(mimeType: string): SearchPlan['mimeType'] {
  const lower = mimeType.trim().toLowerCase();
  if (lower.endsWith('/*')) return { family: prefixRange(lower.slice(0, -1)) };
  if (!lower.includes('/')) return { family: prefixRange(`${lower}/`) };
  return { exact: lower };
}
