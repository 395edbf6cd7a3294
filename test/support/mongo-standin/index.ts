import { CommandRouter } from './command-router.ts';
import { CursorRegistry } from './cursor-registry.ts';
import { cloneDoc } from './document.ts';
import { Store } from './store.ts';
import { TcpListener } from './tcp-listener.ts';

/**
 * A MongoDB server stand-in on 127.0.0.1 that the official driver talks to over the wire protocol.
 *
 *   const mongo = await startMongoStandin();
 *   const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 3_000 });
 *   // … await mongo.stop() for an outage, await mongo.start() to recover …
 *   await client.close();
 *   await mongo.close();
 *
 * What it does differently from a real server: DIFFERENCES.md.
 */
export interface MongoStandin {
  /** Connection string for `new MongoClient(uri)`. */
  uri: string;
  port: number;
  /** Close the listener and every open connection: an outage. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  /** Stop for good. */
  close(): Promise<void>;
  /** Copies of a collection's documents in natural order ([] if it does not exist). */
  collection(db: string, name: string): Record<string, unknown>[];
  /** How many commands of that name (all commands if omitted) the stand-in has received. */
  commandCount(name?: string): number;
}

export interface MongoStandinOptions {
  /** 0 (the default) picks a free port; restarts reuse whichever port was bound. */
  port?: number;
  /** Keep databases across stop()/start(), as a real server's disk would. Default true. */
  keepDataOnRestart?: boolean;
}

export async function startMongoStandin(opts: MongoStandinOptions = {}): Promise<MongoStandin> {
  const keepData = opts.keepDataOnRestart ?? true;
  const store = new Store();
  const cursors = new CursorRegistry();
  const router = new CommandRouter();
  let address = '';
  const listener = new TcpListener((request, connectionId) =>
    router.run(request.command, { store, cursors, connectionId, address }),
  );
  const port = await listener.listen(opts.port ?? 0);
  address = `127.0.0.1:${port}`;
  let closed = false;

  const stop = async (): Promise<void> => {
    await listener.close();
    cursors.clear();
    if (!keepData) store.clear();
  };

  return {
    uri: `mongodb://${address}/?directConnection=true`,
    port,
    stop,
    async start() {
      if (closed) throw new Error('mongo stand-in was closed; start a new one');
      if (!listener.listening) await listener.listen(port);
    },
    async close() {
      closed = true;
      await stop();
    },
    collection: (db, name) => (store.get(db, name)?.docs ?? []).map((doc) => cloneDoc(doc)),
    commandCount: (name) => router.count(name),
  };
}
