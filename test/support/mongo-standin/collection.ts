import { EJSON, UUID } from 'bson';
import { CommandError } from './command-error.ts';
import type { Doc } from './document.ts';
import {
  ID_INDEX,
  indexEntries,
  isUnique,
  keyValue,
  type IndexEntry,
  type IndexSpec,
} from './index-keys.ts';

interface IndexState {
  spec: IndexSpec;
  /** For unique indexes: which document holds each entry, so a write can find its duplicate. */
  owners: Map<string, Doc> | undefined;
}

/**
 * One collection's documents in natural (insertion) order plus its indexes. Stored documents are
 * never mutated: an update swaps in a new object, so a cursor's pending batch keeps its snapshot.
 */
export class Collection {
  readonly db: string;
  readonly name: string;
  readonly uuid = new UUID();
  readonly options: Doc;
  #docs: Doc[] = [];
  /** Where each stored document is in `#docs`, so a replace is not a scan. */
  #positions = new Map<Doc, number>();
  #indexes: IndexState[] = [{ spec: ID_INDEX, owners: new Map() }];

  constructor(db: string, name: string, options: Doc = {}) {
    this.db = db;
    this.name = name;
    this.options = options;
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get docs(): readonly Doc[] {
    return this.#docs;
  }

  get indexSpecs(): IndexSpec[] {
    return this.#indexes.map((index) => index.spec);
  }

  /**
   * The documents a filter can match, in natural order: those named by an `_id` equality or `$in`
   * (found through the `_id` index, as MongoDB would), every document otherwise. Callers still
   * test the filter; this only spares them a scan, which made 100,000 upserts by id quadratic.
   */
  candidates(filter: Doc): readonly Doc[] {
    const ids = idsNamedBy(filter);
    if (!ids) return this.#docs;
    const owners = this.#indexes[0]!.owners!;
    const found = new Set<Doc>();
    for (const id of ids) {
      const doc = owners.get(indexEntries({ _id: id }, ID_INDEX)[0]!.canonical);
      if (doc) found.add(doc);
    }
    return [...found].sort((a, b) => this.#positions.get(a)! - this.#positions.get(b)!);
  }

  insert(doc: Doc): void {
    this.#assertUnique(doc, undefined);
    this.#positions.set(doc, this.#docs.length);
    this.#docs.push(doc);
    this.#claim(doc);
  }

  replace(current: Doc, next: Doc): void {
    this.#assertUnique(next, current);
    const position = this.#positions.get(current);
    if (position === undefined) throw new Error('replacing a document that is not stored');
    this.#docs[position] = next;
    this.#positions.delete(current);
    this.#positions.set(next, position);
    this.#release(current);
    this.#claim(next);
  }

  remove(doomed: ReadonlySet<Doc>): void {
    this.#docs = this.#docs.filter((doc) => !doomed.has(doc));
    this.#positions = new Map(this.#docs.map((doc, position) => [doc, position]));
    for (const doc of doomed) this.#release(doc);
  }

  /** Returns false when an identical index already exists, as MongoDB treats that as a no-op. */
  createIndex(spec: IndexSpec): boolean {
    const existing = this.#conflictingIndex(spec);
    if (existing) return false;
    const owners = isUnique(spec) ? this.#buildOwners(spec) : undefined;
    this.#indexes.push({ spec, owners });
    return true;
  }

  dropIndex(name: string): IndexSpec {
    const index = this.#indexes.find((candidate) => candidate.spec.name === name);
    if (!index) throw new CommandError('IndexNotFound', `index not found with name [${name}]`);
    if (name === ID_INDEX.name) throw new CommandError('InvalidOptions', 'cannot drop _id index');
    this.#indexes = this.#indexes.filter((candidate) => candidate !== index);
    return index.spec;
  }

  #conflictingIndex(spec: IndexSpec): IndexSpec | undefined {
    for (const { spec: existing } of this.#indexes) {
      const sameKey = canonical(existing.key) === canonical(spec.key);
      const sameName = existing.name === spec.name;
      if (!sameKey && !sameName) continue;
      if (sameName && sameKey && canonical(options(existing)) === canonical(options(spec))) {
        return existing;
      }
      if (sameName) {
        throw new CommandError(
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index but different key or options: ${existing.name}`,
        );
      }
      throw new CommandError(
        'IndexOptionsConflict',
        `Index already exists with a different name: ${existing.name}`,
      );
    }
    return undefined;
  }

  #buildOwners(spec: IndexSpec): Map<string, Doc> {
    const owners = new Map<string, Doc>();
    for (const doc of this.#docs) {
      for (const entry of indexEntries(doc, spec)) {
        if (owners.has(entry.canonical)) throw this.#duplicateKey(spec, entry);
        owners.set(entry.canonical, doc);
      }
    }
    return owners;
  }

  #assertUnique(doc: Doc, self: Doc | undefined): void {
    for (const { spec, owners } of this.#indexes) {
      if (!owners) continue;
      for (const entry of indexEntries(doc, spec)) {
        const owner = owners.get(entry.canonical);
        if (owner && owner !== self) throw this.#duplicateKey(spec, entry);
      }
    }
  }

  #claim(doc: Doc): void {
    for (const { spec, owners } of this.#indexes) {
      for (const entry of owners ? indexEntries(doc, spec) : []) owners?.set(entry.canonical, doc);
    }
  }

  #release(doc: Doc): void {
    for (const { spec, owners } of this.#indexes) {
      for (const entry of owners ? indexEntries(doc, spec) : []) {
        if (owners?.get(entry.canonical) === doc) owners.delete(entry.canonical);
      }
    }
  }

  #duplicateKey(spec: IndexSpec, entry: IndexEntry): CommandError {
    const value = keyValue(spec, entry);
    const shown = Object.entries(value)
      .map(([field, v]) => `${field}: ${EJSON.stringify(v, { relaxed: true })}`)
      .join(', ');
    return new CommandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.ns} index: ${spec.name} dup key: { ${shown} }`,
      { keyPattern: spec.key, keyValue: value },
    );
  }
}

/** The `_id` values a filter pins down (`{_id: v}` or `{_id: {$in: [...]}}`), or undefined. */
function idsNamedBy(filter: Doc): unknown[] | undefined {
  if (Object.keys(filter).length !== 1 || !('_id' in filter)) return undefined;
  const id = filter._id;
  if (!isPlainObject(id)) return Array.isArray(id) ? undefined : [id];
  const keys = Object.keys(id);
  if (keys.length === 1 && keys[0] === '$in' && Array.isArray(id.$in)) {
    // Regular expressions in $in match by pattern, not by equality.
    return id.$in.some((value) => value instanceof RegExp || isPlainObject(value))
      ? undefined
      : id.$in;
  }
  // A sub-document _id is matched by equality too, unless it is an operator expression.
  return keys.some((key) => key.startsWith('$')) ? undefined : [id];
}

function isPlainObject(value: unknown): value is Doc {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

function canonical(value: unknown): string {
  return EJSON.stringify(value, { relaxed: false });
}

/** The parts of a spec that make two indexes with the same key different indexes. */
function options(spec: IndexSpec): Doc {
  const { v: _v, name: _name, key: _key, background: _bg, ns: _ns, ...rest } = spec;
  return rest;
}
