import type { Collection } from './collection.ts';
import { CommandError } from './command-error.ts';
import { isDoc, type Doc } from './document.ts';
import { reachesArray } from './field-paths.ts';
import type { IndexSpec } from './index-keys.ts';

/** Operators that give an index scan bounds (equality, ranges, set membership, array matches). */
const BOUNDING_OPERATORS = new Set([
  '$eq',
  '$in',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$all',
  '$elemMatch',
  '$regex',
]);

type Direction = 'forward' | 'backward';

/** What explain needs to know about the query being planned. */
export interface PlanInput {
  filter: Doc;
  sort?: Doc | undefined;
  hint?: unknown;
}

/**
 * The plan a real server would most plausibly pick, without a query optimiser, in this order:
 * a hinted index; the index whose leading key fields the filter bounds the most; an index per
 * `$or` clause; an index that yields the requested sort; a collection scan.
 */
export function winningPlan(collection: Collection | undefined, input: PlanInput): Doc {
  if (!collection) return collScan(input.filter);
  const specs = collection.indexSpecs;
  if (hasHint(input.hint)) {
    const hinted = hintedIndex(specs, input.hint);
    return hinted ? fetch(ixScan(collection, hinted, 'forward')) : collScan(input.filter);
  }
  const bounded = boundedIndex(specs, input.filter, input.sort);
  if (bounded) {
    return fetch(ixScan(collection, bounded, sortFrom(bounded, input.sort) ?? 'forward'));
  }
  const or = orPlan(collection, input.filter);
  if (or) return or;
  const sorted = sortingIndex(specs, input.sort);
  if (sorted) return fetch(ixScan(collection, sorted.spec, sorted.direction));
  return collScan(input.filter);
}

function collScan(filter: Doc): Doc {
  return { stage: 'COLLSCAN', filter, direction: 'forward' };
}

function fetch(inputStage: Doc): Doc {
  return { stage: 'FETCH', inputStage };
}

function ixScan(collection: Collection, index: IndexSpec, direction: Direction): Doc {
  const multiKeyPaths = Object.fromEntries(
    Object.keys(index.key).map((field) => [
      field,
      collection.docs.some((doc) => reachesArray(doc, field)) ? [field] : [],
    ]),
  );
  return {
    stage: 'IXSCAN',
    keyPattern: index.key,
    indexName: index.name,
    isMultiKey: Object.values(multiKeyPaths).some((paths) => paths.length > 0),
    multiKeyPaths,
    isUnique: index.unique === true,
    isSparse: index.sparse === true,
    isPartial: index.partialFilterExpression !== undefined,
    indexVersion: 2,
    direction,
  };
}

/** A real server plans each `$or` clause on its own and unions them, if every clause has an index. */
function orPlan(collection: Collection, filter: Doc): Doc | undefined {
  const clauses = filter.$or;
  if (!Array.isArray(clauses) || clauses.length === 0) return undefined;
  const scans: Doc[] = [];
  for (const clause of clauses) {
    const index = isDoc(clause) ? boundedIndex(collection.indexSpecs, clause) : undefined;
    if (!index) return undefined;
    scans.push(ixScan(collection, index, 'forward'));
  }
  return { stage: 'SUBPLAN', inputStage: fetch({ stage: 'OR', inputStages: scans }) };
}

function hasHint(hint: unknown): boolean {
  return hint !== undefined && hint !== null && !(isDoc(hint) && Object.keys(hint).length === 0);
}

function hintedIndex(specs: IndexSpec[], hint: unknown): IndexSpec | undefined {
  if (isDoc(hint) && '$natural' in hint) return undefined;
  const wanted = isDoc(hint) ? JSON.stringify(hint) : hint;
  const spec = specs.find((candidate) =>
    isDoc(hint) ? JSON.stringify(candidate.key) === wanted : candidate.name === wanted,
  );
  if (!spec) {
    throw new CommandError('BadValue', 'hint provided does not correspond to an existing index');
  }
  return spec;
}

// Partial indexes only serve filters that imply their expression; not worth proving here.
function usable(specs: IndexSpec[]): IndexSpec[] {
  return specs.filter((spec) => !spec.partialFilterExpression);
}

/**
 * Most leading bounded fields wins; on a tie, an index that also yields the sort (a real server's
 * trial run favours the plan without a blocking SORT), then the shorter key.
 */
function boundedIndex(specs: IndexSpec[], filter: Doc, sort?: Doc): IndexSpec | undefined {
  const bounded = boundedFields(filter);
  const rank = (spec: IndexSpec): number[] => [
    leadingBoundedFields(spec, bounded),
    sortFrom(spec, sort) ? 1 : 0,
    -Object.keys(spec.key).length,
  ];
  let best: { spec: IndexSpec; rank: number[] } | undefined;
  for (const spec of usable(specs)) {
    const candidate = { spec, rank: rank(spec) };
    if (candidate.rank[0] === 0) continue;
    if (!best || outranks(candidate.rank, best.rank)) best = candidate;
  }
  return best?.spec;
}

function outranks(a: number[], b: number[]): boolean {
  const differing = a.findIndex((value, i) => value !== b[i]);
  return differing >= 0 && a[differing]! > b[differing]!;
}

function leadingBoundedFields(spec: IndexSpec, bounded: Set<string>): number {
  let score = 0;
  for (const field of Object.keys(spec.key)) {
    if (!bounded.has(field)) break;
    score += 1;
  }
  return score;
}

/** Fields the filter bounds at the top level or inside a top-level $and. */
function boundedFields(filter: Doc): Set<string> {
  const fields = new Set<string>();
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const clause of condition) {
        if (isDoc(clause)) for (const field of boundedFields(clause)) fields.add(field);
      }
    } else if (!key.startsWith('$') && bounds(condition)) {
      fields.add(key);
    }
  }
  return fields;
}

/** A plain value (including an array or a regex) is an equality match, which an index can seek. */
function bounds(condition: unknown): boolean {
  if (!isDoc(condition)) return true;
  const operators = Object.keys(condition).filter((key) => key.startsWith('$'));
  if (operators.length === 0) return true;
  return operators.some((operator) => BOUNDING_OPERATORS.has(operator));
}

/** An index whose leading fields are the sort fields, read forwards or backwards. */
function sortingIndex(
  specs: IndexSpec[],
  sort: Doc | undefined,
): { spec: IndexSpec; direction: Direction } | undefined {
  if (!sort || Object.keys(sort).length === 0) return undefined;
  for (const spec of usable(specs)) {
    const direction = providedDirection(spec, sort);
    if (direction) return { spec, direction };
  }
  return undefined;
}

function providedDirection(spec: IndexSpec, sort: Doc): Direction | undefined {
  const keys = Object.entries(spec.key);
  const wanted = Object.entries(sort);
  if (wanted.length > keys.length) return undefined;
  const same = wanted.every(([field, dir], i) => keys[i]?.[0] === field && keys[i]?.[1] === dir);
  if (same) return 'forward';
  const reversed = wanted.every(
    ([field, dir], i) => keys[i]?.[0] === field && keys[i]?.[1] === -Number(dir),
  );
  return reversed ? 'backward' : undefined;
}

/**
 * The direction in which an index yields the sort, where the sort may start after the index's
 * equality-bound leading fields; undefined if it does not yield it.
 */
function sortFrom(spec: IndexSpec, sort: Doc | undefined): Direction | undefined {
  const first = Object.keys(sort ?? {})[0];
  if (!sort || first === undefined) return undefined;
  const offset = Object.keys(spec.key).indexOf(first);
  if (offset < 0) return undefined;
  const tail = Object.fromEntries(Object.entries(spec.key).slice(offset));
  return providedDirection({ ...spec, key: tail }, sort);
}
