import type { CursorRegistry } from './cursor-registry.ts';
import type { Doc } from './document.ts';
import type { Store } from './store.ts';

/** What a command handler may touch: the data, the open cursors, and who is asking. */
export interface CommandContext {
  store: Store;
  cursors: CursorRegistry;
  /** The database named by the command's `$db`. */
  db: string;
  connectionId: number;
  /** host:port, for the `me`/`serverInfo` fields some replies carry. */
  address: string;
}

export type CommandHandler = (command: Doc, context: CommandContext) => Doc;
