import { Query } from 'mingo';
import { boolArg, docArg, stringArg } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { CommandError } from './command-error.ts';
import type { Doc } from './document.ts';
import { ID_INDEX } from './index-keys.ts';

export function listCollections(command: Doc, context: CommandContext): Doc {
  const nameOnly = boolArg(command, 'nameOnly', false);
  const infos = context.store.collections(context.db).map((collection) => ({
    name: collection.name,
    type: 'collection',
    options: collection.options,
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: ID_INDEX,
  }));
  const query = new Query(docArg(command, 'filter'));
  const matching = infos
    .filter((info) => query.test(info))
    .map((info) => (nameOnly ? { name: info.name, type: info.type } : info));
  const cursorOptions = docArg(command, 'cursor');
  const batchSize =
    typeof cursorOptions.batchSize === 'number' ? cursorOptions.batchSize : undefined;
  return context.cursors.open(`${context.db}.$cmd.listCollections`, matching, batchSize);
}

export function create(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'create');
  context.store.create(context.db, name, collectionOptions(command));
  return { ok: 1 };
}

/** Fields the driver adds to any command; they are not options of the new collection. */
const DRIVER_FIELDS = new Set([
  'create',
  'lsid',
  'writeConcern',
  'txnNumber',
  'maxTimeMS',
  'comment',
]);

function collectionOptions(command: Doc): Doc {
  return Object.fromEntries(
    Object.entries(command).filter(
      ([key]) => !key.startsWith('$') && !key.startsWith('api') && !DRIVER_FIELDS.has(key),
    ),
  );
}

export function drop(command: Doc, context: CommandContext): Doc {
  const name = stringArg(command, 'drop');
  const dropped = context.store.drop(context.db, name);
  if (!dropped) throw new CommandError('NamespaceNotFound', 'ns not found');
  return { ns: dropped.ns, nIndexesWas: dropped.indexSpecs.length, ok: 1 };
}

export function dropDatabase(_command: Doc, context: CommandContext): Doc {
  context.store.dropDatabase(context.db);
  return { dropped: context.db, ok: 1 };
}

export function listDatabases(command: Doc, context: CommandContext): Doc {
  const databases = context.store.databases().map((name) => ({
    name,
    sizeOnDisk: 0,
    empty: context.store.collections(name).every((collection) => collection.docs.length === 0),
  }));
  const query = new Query(docArg(command, 'filter'));
  const listed = databases.filter((db) => query.test(db));
  if (boolArg(command, 'nameOnly', false)) {
    return { databases: listed.map(({ name }) => ({ name })), ok: 1 };
  }
  return { databases: listed, totalSize: 0, totalSizeMb: 0, ok: 1 };
}
