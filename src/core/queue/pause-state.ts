import { z } from 'zod';

/**
 * Why nothing starts: a person asked (`user`), the disk holding DriveUp's data is full
 * (`disk-full`), Google access must be renewed (`auth`), or there is no network (`offline`).
 */
export const pauseKindSchema = z.enum(['user', 'disk-full', 'auth', 'offline']);
export type PauseKind = z.infer<typeof pauseKindSchema>;

export interface Pause {
  kind: PauseKind;
  reason: string;
}

/** Earlier kinds are the ones reported when several hold at once. */
const PRECEDENCE: readonly PauseKind[] = pauseKindSchema.options;

/**
 * Every reason the queue is held, at once: a full disk found while a person has paused is still
 * there when they resume, and a sign-in wait outlives an outage. The one reported is the most
 * pressing (a person's own pause first, then the disk, then sign-in, then the network).
 */
export class PauseState {
  readonly #holds = new Map<PauseKind, string>();

  get current(): Pause | null {
    for (const kind of PRECEDENCE) {
      const reason = this.#holds.get(kind);
      if (reason !== undefined) return { kind, reason };
    }
    return null;
  }

  has(kind: PauseKind): boolean {
    return this.#holds.has(kind);
  }

  /** Returns whether what is reported changed. */
  hold(kind: PauseKind, reason: string): boolean {
    const before = this.current;
    this.#holds.set(kind, reason);
    return !samePause(before, this.current);
  }

  /** Returns whether what is reported changed. */
  lift(kind: PauseKind): boolean {
    const before = this.current;
    this.#holds.delete(kind);
    return !samePause(before, this.current);
  }

  clear(): void {
    this.#holds.clear();
  }
}

function samePause(a: Pause | null, b: Pause | null): boolean {
  return a?.kind === b?.kind && a?.reason === b?.reason;
}
