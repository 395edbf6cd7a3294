import { aggregate } from './aggregate-command.ts';
import { create, drop, dropDatabase, listCollections, listDatabases } from './catalog-commands.ts';
import type { CommandContext, CommandHandler } from './command-context.ts';
import { asCommandError, CommandError, errorReply } from './command-error.ts';
import type { Doc } from './document.ts';
import { explain } from './explain-command.ts';
import { findAndModify } from './find-and-modify-command.ts';
import { buildInfo, endSessions, getParameter, hello, ping } from './handshake-commands.ts';
import { createIndexes, dropIndexes, listIndexes } from './index-commands.ts';
import { count, distinct, find, getMore, killCursors } from './read-commands.ts';
import { insert, remove, update } from './write-commands.ts';

const HANDLERS = new Map<string, CommandHandler>([
  ['hello', hello],
  ['isMaster', hello],
  ['ismaster', hello],
  ['ping', ping],
  ['buildInfo', buildInfo],
  ['buildinfo', buildInfo],
  ['getParameter', getParameter],
  ['endSessions', endSessions],
  ['insert', insert],
  ['update', update],
  ['delete', remove],
  ['findAndModify', findAndModify],
  ['find', find],
  ['getMore', getMore],
  ['killCursors', killCursors],
  ['aggregate', aggregate],
  ['count', count],
  ['distinct', distinct],
  ['explain', explain],
  ['createIndexes', createIndexes],
  ['listIndexes', listIndexes],
  ['dropIndexes', dropIndexes],
  ['listCollections', listCollections],
  ['listDatabases', listDatabases],
  ['create', create],
  ['drop', drop],
  ['dropDatabase', dropDatabase],
]);

/** Dispatches commands by name (the body's first key) and counts them for tests to inspect. */
export class CommandRouter {
  #counts = new Map<string, number>();

  run(command: Doc, context: Omit<CommandContext, 'db'>): Doc {
    const name = Object.keys(command)[0] ?? '';
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
    const handler = HANDLERS.get(name);
    if (!handler)
      return errorReply(new CommandError('CommandNotFound', `no such command: '${name}'`));
    try {
      return handler(command, { ...context, db: databaseOf(command) });
    } catch (error) {
      return errorReply(asCommandError(error));
    }
  }

  count(name?: string): number {
    if (name !== undefined) return this.#counts.get(name) ?? 0;
    let total = 0;
    for (const n of this.#counts.values()) total += n;
    return total;
  }
}

function databaseOf(command: Doc): string {
  const db = command.$db;
  if (typeof db !== 'string' || db === '') {
    throw new CommandError('InvalidNamespace', 'command is missing $db');
  }
  return db;
}
