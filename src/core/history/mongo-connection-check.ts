import { mongodbDriver } from '../config/mongodb-driver.ts';
import { mongoUriProblem } from '../config/mongo-uri.ts';

export type MongoConnectionCheck =
  { ok: true; roundTripMs: number } | { ok: false; reason: string };

export interface MongoConnectionCheckOptions {
  uri: string;
  database: string;
  /** How long to wait for a server that answers; 5 s by default. */
  timeoutMs?: number;
}

/**
 * Settings' "Test connection": one round trip (`ping` on the database) to the server a
 * connection string names, with its own client, so the running history is not disturbed. Never
 * throws: the answer says what went wrong in words a person can act on.
 */
export async function checkMongoConnection(
  options: MongoConnectionCheckOptions,
): Promise<MongoConnectionCheck> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const problem = mongoUriProblem(options.uri);
  if (problem) return { ok: false, reason: `The connection string is not usable: ${problem}` };
  const client = new (mongodbDriver().MongoClient)(options.uri, {
    appName: 'DriveUp',
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs,
  });
  const started = performance.now();
  try {
    await client.db(options.database).command({ ping: 1 });
    return { ok: true, roundTripMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, reason: reasonOf(error, timeoutMs) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

function reasonOf(error: unknown, timeoutMs: number): string {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'MongoServerSelectionError') {
    return `No MongoDB server answered within ${Math.round(timeoutMs / 1000)} s: ${message}`;
  }
  if (/auth/i.test(name) || /authentication/i.test(message)) {
    return `MongoDB refused the user name or password: ${message}`;
  }
  return `MongoDB answered with an error: ${message}`;
}
