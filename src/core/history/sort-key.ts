/**
 * A record's place in newest-first order: its finished time in ms × 1024 plus a counter for
 * records finishing in the same ms. Both backends sort by it and cursors carry it, so paging
 * agrees between them. 2^53 / 1024 ms is year 2248, so it stays an exact JS number and a BSON
 * double.
 */
const TIES_PER_MS = 1024;

export function firstKeyAt(ms: number): number {
  return ms * TIES_PER_MS;
}

export function lastKeyAt(ms: number): number {
  return ms * TIES_PER_MS + TIES_PER_MS - 1;
}

export function msOfKey(key: number): number {
  return Math.floor(key / TIES_PER_MS);
}
