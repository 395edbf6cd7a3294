import { Collection } from './collection.ts';
import { CommandError } from './command-error.ts';
import type { Doc } from './document.ts';

/** All databases of one stand-in. Databases exist while they hold a collection, as in MongoDB. */
export class Store {
  #databases = new Map<string, Map<string, Collection>>();

  get(db: string, name: string): Collection | undefined {
    return this.#databases.get(db)?.get(name);
  }

  /** The collection, created on first write like MongoDB's implicit creation. */
  ensure(db: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.get(db, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.create(db, name, {}), created: true };
  }

  create(db: string, name: string, options: Doc): Collection {
    assertValidName(db, name);
    if (this.get(db, name)) {
      throw new CommandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    const collection = new Collection(db, name, options);
    const collections = this.#databases.get(db) ?? new Map<string, Collection>();
    collections.set(name, collection);
    this.#databases.set(db, collections);
    return collection;
  }

  drop(db: string, name: string): Collection | undefined {
    const collections = this.#databases.get(db);
    const collection = collections?.get(name);
    collections?.delete(name);
    if (collections?.size === 0) this.#databases.delete(db);
    return collection;
  }

  dropDatabase(db: string): void {
    this.#databases.delete(db);
  }

  collections(db: string): Collection[] {
    return [...(this.#databases.get(db)?.values() ?? [])];
  }

  databases(): string[] {
    return [...this.#databases.keys()];
  }

  clear(): void {
    this.#databases.clear();
  }
}

function assertValidName(db: string, name: string): void {
  if (/[/\\. "$\0]/.test(db) || db === '') {
    throw new CommandError('InvalidNamespace', `Invalid database name: '${db}'`);
  }
  if (name === '' || name.includes('$') || name.includes('\0') || name.startsWith('.')) {
    throw new CommandError('InvalidNamespace', `Invalid collection name: '${name}'`);
  }
}
