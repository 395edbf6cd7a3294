import { Query } from 'mingo';
import { applyUpdate, sameValue, upsertSeed } from './apply-update.ts';
import { boolArg, docArg, docArrayArg, optionalDocArg, stringArg } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { CommandError } from './command-error.ts';
import type { Doc } from './document.ts';
import { queryDocs } from './read-commands.ts';

/** findOneAndUpdate / findOneAndReplace / findOneAndDelete all arrive as `findAndModify`. */
export function findAndModify(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'findAndModify');
  const filter = docArg(command, 'query');
  const remove = boolArg(command, 'remove', false);
  if (remove === (command.update !== undefined)) {
    throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  }
  const collection = context.store.get(context.db, name);
  // Without a projection queryDocs yields the stored objects themselves, which replace/remove need.
  const [current] = queryDocs(collection?.docs ?? [], { filter, sort: command.sort, limit: 1 });
  const fields = optionalDocArg(command, 'fields');
  if (remove) {
    if (current) collection?.remove(new Set([current]));
    return reply({ n: current ? 1 : 0 }, current, fields);
  }
  const arrayFilters =
    command.arrayFilters === undefined ? undefined : docArrayArg(command, 'arrayFilters');
  const returnNew = boolArg(command, 'new', false);
  if (!current) {
    if (!boolArg(command, 'upsert', false))
      return reply({ n: 0, updatedExisting: false }, undefined, fields);
    const inserted = applyUpdate(upsertSeed(filter), command.update, arrayFilters, true);
    context.store.ensure(context.db, name).collection.insert(inserted);
    const lastErrorObject = { n: 1, updatedExisting: false, upserted: inserted._id };
    return reply(lastErrorObject, returnNew ? inserted : undefined, fields);
  }
  const next = applyUpdate(current, command.update, arrayFilters, false);
  if (!sameValue(current, next)) collection?.replace(current, next);
  return reply({ n: 1, updatedExisting: true }, returnNew ? next : current, fields);
}

function reply(lastErrorObject: Doc, value: Doc | undefined, fields: Doc | undefined): Doc {
  const shown = value && fields ? new Query({}).find<Doc>([value], fields).all()[0] : value;
  return { lastErrorObject, value: shown ?? null, ok: 1 };
}
