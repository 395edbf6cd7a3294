import { EJSON, ObjectId } from 'bson';
import { Aggregator, update as mingoUpdate } from 'mingo';
import type { Modifier } from 'mingo/updater';
import { CommandError } from './command-error.ts';
import { cloneDoc, isDoc, type Doc } from './document.ts';
import { setPath } from './field-paths.ts';

/** Update operators mingo implements, plus $setOnInsert which the stand-in handles itself. */
const OPERATORS = new Set([
  '$addToSet',
  '$bit',
  '$currentDate',
  '$inc',
  '$max',
  '$min',
  '$mul',
  '$pop',
  '$pull',
  '$pullAll',
  '$push',
  '$rename',
  '$set',
  '$setOnInsert',
  '$unset',
]);

export type UpdateKind = 'operators' | 'replacement' | 'pipeline';

export function updateKind(update: unknown): UpdateKind {
  if (Array.isArray(update)) return 'pipeline';
  if (!isDoc(update)) throw new CommandError('FailedToParse', 'update must be an object or array');
  const keys = Object.keys(update);
  const operators = keys.filter((key) => key.startsWith('$'));
  if (operators.length === 0) return 'replacement';
  if (operators.length !== keys.length) {
    throw new CommandError('FailedToParse', 'update document mixes operators and plain fields');
  }
  const unknown = operators.find((key) => !OPERATORS.has(key));
  if (unknown) {
    throw new CommandError(
      'FailedToParse',
      `Unknown modifier: ${unknown}. Expected a valid update modifier or pipeline-style update specified as an array`,
    );
  }
  return 'operators';
}

/** The updated copy of `current`; `current` itself is left untouched. */
export function applyUpdate(
  current: Doc,
  update: unknown,
  arrayFilters: Doc[] | undefined,
  inserting: boolean,
): Doc {
  const kind = updateKind(update);
  const next =
    kind === 'pipeline'
      ? applyPipeline(current, update as Doc[])
      : kind === 'replacement'
        ? replaceKeepingId(current, update as Doc)
        : applyOperators(current, update as Doc, arrayFilters, inserting);
  if (!inserting && !sameValue(current._id, next._id)) {
    throw new CommandError(
      'ImmutableField',
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return idFirst(next);
}

function applyOperators(
  current: Doc,
  update: Doc,
  arrayFilters: Doc[] | undefined,
  inserting: boolean,
): Doc {
  const { $setOnInsert, ...rest } = update;
  const modifier: Doc = { ...rest };
  // $setOnInsert only acts when the upsert inserts; then it behaves exactly like $set.
  if (inserting && isDoc($setOnInsert)) modifier.$set = { ...(rest.$set as Doc), ...$setOnInsert };
  const next = cloneDoc(current);
  takeIdAssignment(modifier, next, inserting);
  if (Object.keys(modifier).length === 0) return next;
  try {
    mingoUpdate(next, modifier as Modifier<Doc>, arrayFilters, undefined, { cloneMode: 'deep' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/conflict/i.test(message)) throw new CommandError('ConflictingUpdateOperators', message);
    if (/immutable/i.test(message)) throw new CommandError('ImmutableField', message);
    throw new CommandError('BadValue', message);
  }
  return next;
}

/**
 * mingo refuses any `$set` of `_id`; MongoDB allows setting it to its current value, and any value
 * while an upsert inserts. So `_id` is applied here and removed from what mingo sees.
 */
function takeIdAssignment(modifier: Doc, next: Doc, inserting: boolean): void {
  const $set = modifier.$set;
  if (!isDoc($set) || !('_id' in $set)) return;
  const { _id, ...others } = $set;
  if (inserting) next._id = _id;
  else if (!sameValue(next._id, _id)) return;
  if (Object.keys(others).length > 0) modifier.$set = others;
  else delete modifier.$set;
}

function replaceKeepingId(current: Doc, replacement: Doc): Doc {
  const next = cloneDoc(replacement);
  return current._id === undefined ? next : { ...next, _id: next._id ?? current._id };
}

function applyPipeline(current: Doc, pipeline: Doc[]): Doc {
  const [next] = new Aggregator(pipeline).run([cloneDoc(current)]) as Doc[];
  return next ?? {};
}

/**
 * The document an upsert starts from: the filter's equality conditions (top level and under $and),
 * as MongoDB seeds it before applying the update.
 */
export function upsertSeed(filter: Doc): Doc {
  const seed: Doc = {};
  collectEqualities(filter, seed);
  return cloneDoc(seed);
}

function collectEqualities(filter: Doc, seed: Doc): void {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const clause of condition) if (isDoc(clause)) collectEqualities(clause, seed);
    } else if (!key.startsWith('$')) {
      const equal = equalityValue(condition);
      if (equal.found) setPath(seed, key, equal.value);
    }
  }
}

function equalityValue(condition: unknown): { found: boolean; value?: unknown } {
  if (!isDoc(condition)) return { found: true, value: condition };
  const keys = Object.keys(condition);
  if (!keys.some((key) => key.startsWith('$'))) return { found: true, value: condition };
  if (keys.length === 1 && keys[0] === '$eq') return { found: true, value: condition.$eq };
  return { found: false };
}

/** MongoDB always stores `_id` first and generates one when the client did not. */
export function idFirst(doc: Doc): Doc {
  const { _id, ...rest } = doc;
  return { _id: _id === undefined ? new ObjectId() : _id, ...rest };
}

export function sameValue(a: unknown, b: unknown): boolean {
  return (
    EJSON.stringify({ v: a }, { relaxed: false }) === EJSON.stringify({ v: b }, { relaxed: false })
  );
}
