import type { DatabaseSync } from 'node:sqlite';
import { probeDatabase } from '../store/disk-full.ts';
import type { Clock } from './clock.ts';
import { PauseState, type Pause, type PauseKind } from './pause-state.ts';
import { ProbeWait } from './probe-wait.ts';
import { UserPause } from './user-pause.ts';

/** The pauses the queue waits out by itself, probing until the way is clear. */
type WaitKind = Exclude<PauseKind, 'user'>;

export interface QueuePausesOptions {
  db: DatabaseSync;
  clock: Clock;
  /** Cheap reachability check polled while offline; without one the next attempt probes. */
  networkProbe?: (() => Promise<boolean>) | undefined;
  /** Whether Google gives an access token now; without it only a sign-in lifts that pause. */
  accessProbe?: (() => Promise<boolean>) | undefined;
  /** Whether DriveUp can write again after a full disk; by default, a write to the database. */
  diskProbe?: (() => Promise<boolean>) | undefined;
  /** Delays between the probes of every wait (network, access, disk). */
  waitDelayMs?: { initial: number; max: number } | undefined;
  /** A wait's probe passed: the queue lifts that pause. */
  onWaitOver: (kind: WaitKind) => void;
  /** Writes that fail must not stop the queue: logged by the caller, a full disk pauses it. */
  write: <T>(what: string, fn: () => T) => T | undefined;
}

/**
 * Why the queue holds, as state: every pause at once (pause-state.ts), a person's pause kept
 * across restarts (user-pause.ts), and the probing waits that end the pauses the agent took by
 * itself (no network, no access token, a full disk). Holding and lifting stop and start nothing
 * here: the queue does that with what these answer.
 */
export class QueuePauses {
  readonly #state = new PauseState();
  readonly #user: UserPause;
  readonly #waits: Record<WaitKind, ProbeWait>;
  readonly #o: QueuePausesOptions;
  readonly #canProbeAccess: boolean;

  constructor(options: QueuePausesOptions) {
    this.#o = options;
    this.#user = new UserPause(options.db);
    const note = this.#user.load();
    if (note !== undefined) this.#state.hold({ kind: 'user', note });
    const db = options.db;
    this.#canProbeAccess = options.accessProbe !== undefined;
    this.#waits = {
      offline: this.#wait(options.networkProbe, 'offline'),
      auth: this.#wait(options.accessProbe, 'auth'),
      'disk-full': this.#wait(options.diskProbe ?? (async () => probeDatabase(db)), 'disk-full'),
    };
  }

  get current(): Pause | null {
    return this.#state.current;
  }

  get all(): Pause[] {
    return this.#state.all;
  }

  has(kind: PauseKind): boolean {
    return this.#state.has(kind);
  }

  /** Holds the queue for one more reason; a person's pause is kept for the next start. Says whether what is reported changed. */
  hold(pause: Pause): boolean {
    const current = this.#state.current;
    if (pause.kind === 'user' && JSON.stringify(current) !== JSON.stringify(pause)) {
      this.#o.write('could not keep the pause across restarts', () => this.#user.save(pause.note));
    }
    return this.#state.hold(pause);
  }

  /** Says whether what is reported changed. */
  lift(kind: PauseKind): boolean {
    if (kind !== 'user') this.#waits[kind].cancel();
    return this.#state.lift(kind);
  }

  /** Lifts every pause and calls off every wait; says whether the disk was full. */
  clear(): { diskWasFull: boolean } {
    if (this.#state.has('user')) {
      this.#o.write('could not forget the pause', () => this.#user.clear());
    }
    const diskWasFull = this.#state.has('disk-full');
    this.#state.clear();
    this.cancelWaits();
    return { diskWasFull };
  }

  /** Starts probing for the end of this pause (for `auth`, only when access can be probed). */
  startWait(kind: WaitKind): void {
    if (kind === 'auth' && !this.#canProbeAccess) return;
    this.#waits[kind].start();
  }

  cancelWait(kind: WaitKind): void {
    this.#waits[kind].cancel();
  }

  cancelWaits(): void {
    for (const wait of Object.values(this.#waits)) wait.cancel();
  }

  #wait(probe: (() => Promise<boolean>) | undefined, kind: WaitKind): ProbeWait {
    const delays = this.#o.waitDelayMs;
    return new ProbeWait({
      clock: this.#o.clock,
      onReady: () => this.#o.onWaitOver(kind),
      ...(probe ? { probe } : {}),
      ...(delays ? { initialDelayMs: delays.initial, maxDelayMs: delays.max } : {}),
    });
  }
}
