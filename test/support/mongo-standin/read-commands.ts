import { EJSON } from 'bson';
import { Query } from 'mingo';
import type { CollationSpec, SortSpec } from 'mingo/types';
import { boolArg, docArg, numberArg, optionalDocArg, stringArg, toNumber } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { CommandError } from './command-error.ts';
import type { Doc } from './document.ts';
import { valuesAtPath } from './field-paths.ts';

export function find(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'find');
  const collection = context.store.get(context.db, name);
  const docs = collection?.candidates(optionalDocArg(command, 'filter') ?? {}) ?? [];
  const results = queryDocs(docs, command);
  const singleBatch = boolArg(command, 'singleBatch', false) || numberArg(command, 'limit', 0) < 0;
  const batchSize =
    command.batchSize === undefined ? undefined : numberArg(command, 'batchSize', 0);
  return context.cursors.open(`${context.db}.${name}`, results, batchSize, singleBatch);
}

/** The documents a `find` command selects: filter, then sort, skip and limit, then projection. */
export function queryDocs(docs: readonly Doc[], command: Doc): Doc[] {
  const cursor = new Query(docArg(command, 'filter')).find<Doc>(
    docs,
    optionalDocArg(command, 'projection') ?? {},
  );
  const collation = optionalDocArg(command, 'collation');
  if (collation) cursor.collation(collation as unknown as CollationSpec);
  const sort = optionalDocArg(command, 'sort');
  if (sort && Object.keys(sort).length > 0) cursor.sort(sortSpec(sort));
  const skip = numberArg(command, 'skip', 0);
  if (skip > 0) cursor.skip(skip);
  const limit = Math.abs(numberArg(command, 'limit', 0));
  if (limit > 0) cursor.limit(limit);
  return cursor.all();
}

function sortSpec(sort: Doc): SortSpec {
  for (const [field, direction] of Object.entries(sort)) {
    if (direction !== 1 && direction !== -1) {
      throw new CommandError('BadValue', `$sort key ordering must be 1 or -1 for '${field}'`);
    }
  }
  return sort as SortSpec;
}

export function getMore(command: Doc, context: CommandContext): Doc {
  const id = toNumber(command.getMore);
  if (id === undefined) throw new CommandError('TypeMismatch', "'getMore' must be a cursor id");
  const batchSize =
    command.batchSize === undefined ? undefined : numberArg(command, 'batchSize', 0);
  return context.cursors.getMore(id, batchSize);
}

export function killCursors(command: Doc, context: CommandContext): Doc {
  const raw = Array.isArray(command.cursors) ? (command.cursors as unknown[]) : [];
  const ids = raw.map(toNumber).filter((id) => id !== undefined);
  return context.cursors.kill(ids);
}

export function count(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'count');
  const docs = context.store.get(context.db, name)?.docs ?? [];
  const matched = queryDocs(docs, {
    filter: command.query ?? {},
    skip: command.skip,
    limit: command.limit,
  });
  return { n: matched.length, ok: 1 };
}

export function distinct(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'distinct');
  const key = stringArg(command, 'key');
  const docs = context.store.get(context.db, name)?.docs ?? [];
  const values = new Map<string, unknown>();
  for (const doc of queryDocs(docs, { filter: command.query ?? {} })) {
    for (const value of valuesAtPath(doc, key)) {
      values.set(EJSON.stringify(value ?? null, { relaxed: false }), value);
    }
  }
  return { values: [...values.values()], ok: 1 };
}
