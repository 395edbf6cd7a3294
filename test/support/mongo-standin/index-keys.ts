import { EJSON } from 'bson';
import { Query } from 'mingo';
import type { Doc } from './document.ts';
import { valuesAtPath } from './field-paths.ts';

/** An index as `listIndexes` reports it; options the stand-in does not interpret are kept verbatim. */
export interface IndexSpec extends Doc {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

/** One entry of a document in an index: the field values, in key-pattern order. */
export interface IndexEntry {
  canonical: string;
  values: unknown[];
}

/**
 * The entries a document contributes to an index, or none when a sparse or partial index skips it.
 * Missing fields index as null, and array fields contribute one entry per element, as in MongoDB.
 */
export function indexEntries(doc: Doc, spec: IndexSpec): IndexEntry[] {
  const fields = Object.keys(spec.key);
  const perField = fields.map((field) => valuesAtPath(doc, field));
  if (spec.sparse && perField.every((values) => values.length === 0)) return [];
  if (spec.partialFilterExpression && !new Query(spec.partialFilterExpression).test(doc)) return [];
  const tuples = cartesian(perField.map((values) => (values.length === 0 ? [null] : values)));
  const entries = new Map<string, IndexEntry>();
  for (const values of tuples) {
    // Canonical EJSON keeps types apart (the string "1" is not the number 1) and is order-stable.
    const canonical = EJSON.stringify(values, { relaxed: false });
    entries.set(canonical, { canonical, values });
  }
  return [...entries.values()];
}

function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>(
    (tuples, values) => tuples.flatMap((tuple) => values.map((value) => [...tuple, value])),
    [[]],
  );
}

export function isUnique(spec: IndexSpec): boolean {
  return spec.name === ID_INDEX.name || spec.unique === true;
}

export function keyValue(spec: IndexSpec, entry: IndexEntry): Doc {
  return Object.fromEntries(Object.keys(spec.key).map((field, i) => [field, entry.values[i]]));
}
