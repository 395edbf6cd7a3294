import { docArrayArg, stringArg } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { CommandError } from './command-error.ts';
import { cloneDoc, isDoc, type Doc } from './document.ts';
import type { IndexSpec } from './index-keys.ts';

export function createIndexes(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'createIndexes');
  const specs = docArrayArg(command, 'indexes').map(toIndexSpec);
  const { collection, created } = context.store.ensure(context.db, name);
  const before = collection.indexSpecs.length;
  for (const spec of specs) collection.createIndex(spec);
  const after = collection.indexSpecs.length;
  return {
    createdCollectionAutomatically: created,
    numIndexesBefore: before,
    numIndexesAfter: after,
    note: after === before ? 'all indexes already exist' : undefined,
    ok: 1,
  };
}

function toIndexSpec(raw: Doc): IndexSpec {
  const key = raw.key;
  if (!isDoc(key) || Object.keys(key).length === 0) {
    throw new CommandError('BadValue', "Index spec 'key' must be a non-empty object");
  }
  if (typeof raw.name !== 'string' || raw.name === '') {
    throw new CommandError('BadValue', "Index spec 'name' must be a non-empty string");
  }
  const { v: _v, key: _key, name: _name, ...options } = cloneDoc(raw);
  return { v: 2, key: cloneDoc(key), name: raw.name, ...options };
}

export function listIndexes(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'listIndexes');
  const collection = context.store.get(context.db, name);
  if (!collection) {
    throw new CommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${name}`);
  }
  const specs = collection.indexSpecs.map((spec) => cloneDoc(spec));
  return context.cursors.open(collection.ns, specs, undefined);
}

export function dropIndexes(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'dropIndexes');
  const collection = context.store.get(context.db, name);
  if (!collection) {
    throw new CommandError('NamespaceNotFound', `ns not found ${context.db}.${name}`);
  }
  const nIndexesWas = collection.indexSpecs.length;
  for (const indexName of namesToDrop(command.index, collection.indexSpecs)) {
    collection.dropIndex(indexName);
  }
  return { nIndexesWas, ok: 1 };
}

/** `index` may be a name, a key pattern, a list of names, or '*' for all but `_id_`. */
function namesToDrop(selector: unknown, specs: IndexSpec[]): string[] {
  if (selector === '*') return specs.map((spec) => spec.name).filter((n) => n !== '_id_');
  if (typeof selector === 'string') return [selector];
  if (Array.isArray(selector)) return selector.map(String);
  if (isDoc(selector)) {
    const wanted = JSON.stringify(selector);
    const spec = specs.find((candidate) => JSON.stringify(candidate.key) === wanted);
    if (!spec) throw new CommandError('IndexNotFound', `can't find index with key: ${wanted}`);
    return [spec.name];
  }
  throw new CommandError('TypeMismatch', "'index' must be a name, key pattern or list of names");
}
