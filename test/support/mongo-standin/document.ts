import { deserialize, serialize } from 'bson';

/** A BSON document as the stand-in holds it: `bson`-deserialized values under string keys. */
export type Doc = Record<string, unknown>;

export function isDoc(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && isPlain(value);
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Deep copy through BSON itself, so ObjectId, Long, Binary and Date keep their classes (structuredClone
 * would turn them into plain objects) and a stored document can never alias a caller's.
 */
export function cloneDoc<T extends Doc>(doc: T): T {
  return deserialize(serialize(doc)) as T;
}
