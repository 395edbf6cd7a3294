import { calculateObjectSize, Long } from 'bson';
import { CommandError } from './command-error.ts';
import type { Doc } from './document.ts';

const DEFAULT_FIRST_BATCH = 101;
/** A real server stops a batch at 16 MiB so the reply stays under maxMessageSizeBytes. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

interface OpenCursor {
  ns: string;
  docs: Doc[];
  position: number;
}

/**
 * Results are computed in full when the cursor opens and handed out batch by batch, so `getMore`
 * sees the snapshot taken by `find`/`aggregate` (documents are never mutated in place).
 */
export class CursorRegistry {
  #open = new Map<number, OpenCursor>();
  #nextId = 1;

  /** The `{ cursor: { firstBatch, id, ns } }` reply, keeping the rest for `getMore`. */
  open(ns: string, docs: Doc[], batchSize: number | undefined, singleBatch = false): Doc {
    const cursor: OpenCursor = { ns, docs, position: 0 };
    const firstBatch = this.#take(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    const id = singleBatch || cursor.position >= docs.length ? 0 : this.#nextId++;
    if (id !== 0) this.#open.set(id, cursor);
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  getMore(id: number, batchSize: number | undefined): Doc {
    const cursor = this.#open.get(id);
    if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${id} not found`);
    // For getMore, 0 or absent means "as much as fits", unlike find's batchSize 0 (an empty batch).
    const nextBatch = this.#take(cursor, batchSize || Number.POSITIVE_INFINITY);
    const exhausted = cursor.position >= cursor.docs.length;
    if (exhausted) this.#open.delete(id);
    return { cursor: { nextBatch, id: Long.fromNumber(exhausted ? 0 : id), ns: cursor.ns }, ok: 1 };
  }

  kill(ids: number[]): Doc {
    const killed = ids.filter((id) => this.#open.delete(id));
    const notFound = ids.filter((id) => !killed.includes(id));
    return {
      cursorsKilled: killed.map((id) => Long.fromNumber(id)),
      cursorsNotFound: notFound.map((id) => Long.fromNumber(id)),
      cursorsAlive: [],
      cursorsUnknown: [],
      ok: 1,
    };
  }

  /** A restart forgets every cursor, as a real server's restart does. */
  clear(): void {
    this.#open.clear();
  }

  #take(cursor: OpenCursor, batchSize: number): Doc[] {
    const batch: Doc[] = [];
    let bytes = 0;
    while (batch.length < batchSize && cursor.position < cursor.docs.length) {
      const doc = cursor.docs[cursor.position]!;
      bytes += calculateObjectSize(doc);
      if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
      batch.push(doc);
      cursor.position += 1;
    }
    return batch;
  }
}
