import { Query } from 'mingo';
import { applyUpdate, idFirst, sameValue, updateKind, upsertSeed } from './apply-update.ts';
import { boolArg, docArg, docArrayArg, numberArg, stringArg } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { asCommandError, CommandError } from './command-error.ts';
import { cloneDoc, type Doc } from './document.ts';

/**
 * Runs each statement of a write command, collecting failures as MongoDB's `writeErrors` so the
 * driver raises MongoBulkWriteError / MongoServerError. Ordered batches stop at the first failure.
 */
function eachStatement<T>(
  command: Doc,
  statements: T[],
  run: (statement: T) => void,
): Doc[] | undefined {
  const ordered = boolArg(command, 'ordered', true);
  const writeErrors: Doc[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement);
    } catch (error) {
      const { code, message, details } = asCommandError(error);
      writeErrors.push({ index, code, errmsg: message, ...details });
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? writeErrors : undefined;
}

export function insert(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'insert');
  const documents = docArrayArg(command, 'documents');
  const { collection } = context.store.ensure(context.db, name);
  let n = 0;
  const writeErrors = eachStatement(command, documents, (doc) => {
    if (Array.isArray(doc._id)) throw new CommandError('BadValue', "can't use an array for _id");
    collection.insert(idFirst(cloneDoc(doc)));
    n += 1;
  });
  return { n, writeErrors, ok: 1 };
}

export function update(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'update');
  const statements = docArrayArg(command, 'updates');
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors = eachStatement(command, [...statements.entries()], ([index, statement]) => {
    const result = updateOne(context, name, statement);
    n += result.matched + (result.upsertedId === undefined ? 0 : 1);
    nModified += result.modified;
    if (result.upsertedId !== undefined) upserted.push({ index, _id: result.upsertedId });
  });
  return { n, nModified, upserted: upserted.length > 0 ? upserted : undefined, writeErrors, ok: 1 };
}

interface StatementResult {
  matched: number;
  modified: number;
  upsertedId?: unknown;
}

/** One `updates[]` entry: `{ q, u, upsert, multi, arrayFilters }`. */
function updateOne(context: CommandContext, name: string, statement: Doc): StatementResult {
  const filter = docArg(statement, 'q');
  const multi = boolArg(statement, 'multi', false);
  const arrayFilters =
    statement.arrayFilters === undefined ? undefined : docArrayArg(statement, 'arrayFilters');
  if (multi && updateKind(statement.u) === 'replacement') {
    throw new CommandError(
      'FailedToParse',
      'multi update is not supported for replacement-style update',
    );
  }
  const existing = context.store.get(context.db, name);
  const query = new Query(filter);
  const matches = (existing?.candidates(filter) ?? []).filter((doc) => query.test(doc));
  const targets = multi ? matches : matches.slice(0, 1);
  if (targets.length === 0 && boolArg(statement, 'upsert', false)) {
    const inserted = applyUpdate(upsertSeed(filter), statement.u, arrayFilters, true);
    context.store.ensure(context.db, name).collection.insert(inserted);
    return { matched: 0, modified: 0, upsertedId: inserted._id };
  }
  let modified = 0;
  for (const current of targets) {
    const next = applyUpdate(current, statement.u, arrayFilters, false);
    if (sameValue(current, next)) continue;
    existing?.replace(current, next);
    modified += 1;
  }
  return { matched: targets.length, modified };
}

export function remove(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'delete');
  const statements = docArrayArg(command, 'deletes');
  let n = 0;
  const writeErrors = eachStatement(command, statements, (statement) => {
    const collection = context.store.get(context.db, name);
    const filter = docArg(statement, 'q');
    const query = new Query(filter);
    const matches = (collection?.candidates(filter) ?? []).filter((doc) => query.test(doc));
    const doomed = numberArg(statement, 'limit', 0) === 1 ? matches.slice(0, 1) : matches;
    collection?.remove(new Set(doomed));
    n += doomed.length;
  });
  return { n, writeErrors, ok: 1 };
}
