import type { DatabaseSync } from 'node:sqlite';
import { transaction } from '../store/transaction.ts';
import type { Job } from './job.ts';
import type { JobStore } from './job-store.ts';

/** Jobs leased by each claim that has to wait for the disk. */
export const LEASE_AHEAD = 16;

export interface Claim {
  job: Job;
  /** An earlier attempt, or a claim a power cut may have undone, may have created the file. */
  maybeCreated: boolean;
}

/**
 * Claims jobs for upload, paying the claim's wait for the disk once per LEASE_AHEAD jobs.
 *
 * A claim must be durable before any byte goes to Drive: after a power cut the job has to come
 * back as "may have been created", or its file is uploaded a second time. An fsync per claim held
 * the event loop ~1.3 ms per file, the largest single cost of a burst of small files. So a claim
 * whose job is not leased commits durably and, in the same commit, leases the next jobs in line
 * (`leased`, see claim-lease-migration.ts); claiming a leased job then commits without waiting.
 *
 * A lease this process took is its own: claiming it uploads straight away. A lease found from an
 * earlier process means that process may have claimed and sent the job in a commit the power cut
 * undid, so the Drive tag is looked up first: after a crash, at most LEASE_AHEAD extra lookups.
 * A clean stop gives back the leases it did not use.
 */
export class ClaimLeases {
  readonly #db: DatabaseSync;
  readonly #jobs: JobStore;
  /** Leased by this process and not claimed yet. */
  readonly #mine = new Set<string>();

  constructor(db: DatabaseSync, jobs: JobStore) {
    this.#db = db;
    this.#jobs = jobs;
  }

  /** Moves a queued or due job to `running`; undefined when it is not (or no longer) claimable. */
  claim(id: string, now: number): Claim | undefined {
    const prior = this.#jobs.claimState(id);
    if (!prior) return undefined;
    const job = transaction(
      this.#db,
      () => {
        const claimed = this.#jobs.claim(id, now);
        if (claimed && !prior.leased) this.#leaseNext(now);
        return claimed;
      },
      { durable: !prior.leased },
    );
    if (!job) return undefined;
    const mine = this.#mine.delete(id);
    return { job, maybeCreated: prior.startedAt !== null || (prior.leased && !mine) };
  }

  /**
   * Makes sure this process holds a lease on `id` (a queued job about to be claimed), leasing the
   * next jobs in line in one durable commit when it does not: done while the slot is still busy,
   * it keeps the wait for the disk out of the claim. False when the job is not leased.
   */
  leaseAhead(id: string, now: number): boolean {
    if (this.#mine.has(id)) return true;
    transaction(this.#db, () => this.#leaseNext(now));
    return this.#mine.has(id);
  }

  /** Durably drops the leases this process took and never used: a restart need not look them up. */
  release(): void {
    if (!this.#mine.size) return;
    transaction(this.#db, () => this.#jobs.unlease(this.#mine));
    this.#mine.clear();
  }

  #leaseNext(now: number): void {
    for (const id of this.#jobs.lease(this.#jobs.runnable(LEASE_AHEAD, now))) this.#mine.add(id);
  }
}
