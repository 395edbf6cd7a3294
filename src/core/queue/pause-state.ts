import { z } from 'zod';

/**
 * Why nothing starts: a person asked (`user`), the disk holding DriveUp's data is full
 * (`disk-full`), Google access must be renewed (`auth`), or there is no network (`offline`).
 */
export const pauseKindSchema = z.enum(['user', 'disk-full', 'auth', 'offline']);
export type PauseKind = z.infer<typeof pauseKindSchema>;

/**
 * Why a sign-in holds the queue: nobody is signed in; the stored sign-in was refused by Google,
 * does not grant the `google.scope` setting, or cannot be read; or an upload was refused for want
 * of a working access token.
 */
export const authPauseCauseSchema = z.enum([
  'not-signed-in',
  'refused',
  'scope-missing',
  'unreadable',
  'expired',
]);
export type AuthPauseCause = z.infer<typeof authPauseCauseSchema>;

/**
 * A pause as data: each face words it (the CLI says which command to run, a window which button).
 * `note` is what the person who paused said, if anything; `detail` is Google's or the system's
 * own account of the problem, when there is one.
 */
export const pauseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), note: z.string().nullable() }),
  z.object({
    kind: z.literal('disk-full'),
    /** What could not be written, and the mount point holding it (where to free space). */
    path: z.string(),
    mount: z.string(),
  }),
  z.object({
    kind: z.literal('auth'),
    cause: authPauseCauseSchema,
    detail: z.string().nullable(),
  }),
  z.object({ kind: z.literal('offline') }),
]);
export type Pause = z.infer<typeof pauseSchema>;

/** Earlier kinds are the ones reported when several hold at once. */
const PRECEDENCE: readonly PauseKind[] = pauseKindSchema.options;

/**
 * Every reason the queue is held, at once: a full disk found while a person has paused is still
 * there when they resume, and a sign-in wait outlives an outage. The one reported is the most
 * pressing (a person's own pause first, then the disk, then sign-in, then the network).
 */
export class PauseState {
  readonly #holds = new Map<PauseKind, Pause>();

  get current(): Pause | null {
    for (const kind of PRECEDENCE) {
      const pause = this.#holds.get(kind);
      if (pause !== undefined) return pause;
    }
    return null;
  }

  /** Every pause that holds, most pressing first. */
  get all(): Pause[] {
    return PRECEDENCE.flatMap((kind) => this.#holds.get(kind) ?? []);
  }

  has(kind: PauseKind): boolean {
    return this.#holds.has(kind);
  }

  /** Returns whether what is reported changed. */
  hold(pause: Pause): boolean {
    const before = this.current;
    this.#holds.set(pause.kind, pause);
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
  return JSON.stringify(a) === JSON.stringify(b);
}
