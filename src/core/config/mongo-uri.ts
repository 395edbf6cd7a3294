import { mongodbDriver } from './mongodb-driver.ts';

/**
 * Why `uri` cannot be used as a MongoDB connection string, or null when it can. The driver's
 * own parser decides (it is what will read the string later); nothing is connected.
 */
export function mongoUriProblem(uri: string): string | null {
  try {
    new (mongodbDriver().MongoClient)(uri);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export class HistoryConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryConfigError';
  }
}

export function assertMongoUri(uri: string): void {
  const problem = mongoUriProblem(uri);
  if (problem) throw new HistoryConfigError(`The MongoDB connection string is refused: ${problem}`);
}
