import type { FileJournal, JournalEntry } from './file-journal.ts';
import { entryAfterOutcome } from './journal-decisions.ts';
import type { WatchRule } from './watch-rules.ts';
import type { JobOutcomeJob, JobOutcomeType } from './watch-sink.ts';

/** What the queue reported about one job of a rule; `path` is relative to the rule's folder. */
export interface JobOutcome {
  rule: WatchRule;
  path: string;
  type: JobOutcomeType;
  job: JobOutcomeJob;
}

interface Waiting extends JobOutcome {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** How long the reports of files that stay in place are gathered before they are committed. */
const GATHER_MS = 100;

/**
 * Records finished jobs in their rules' journals, many reports to a commit: a burst of small files
 * finishes a hundred uploads a second, and each commit held the event loop the watcher needs.
 *
 * A file to be moved or deleted is recorded at the next turn of the event loop, in a commit that
 * waits for the disk: the queue commits `done` without waiting (see UploadQueue.#finish), and this
 * durable commit, which makes every earlier one durable too, is the barrier before a local file
 * goes. Files that stay where they are need no barrier; their reports are gathered for a moment.
 */
export class OutcomeWriter {
  readonly #journalOf: (ruleId: string) => FileJournal;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;

  constructor(journalOf: (ruleId: string) => FileJournal) {
    this.#journalOf = journalOf;
  }

  /** Resolves once the outcome is committed (durably, when the rule moves or deletes files). */
  record(outcome: JobOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ ...outcome, resolve, reject });
      if (needsBarrier(outcome)) this.#immediate ??= setImmediate(() => this.#flush());
      else this.#timer ??= setTimeout(() => this.#flush(), GATHER_MS);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    const byRule = Map.groupBy(this.#waiting.splice(0), (outcome) => outcome.rule.id);
    for (const [ruleId, outcomes] of byRule) {
      try {
        this.#write(this.#journalOf(ruleId), outcomes);
        for (const outcome of outcomes) outcome.resolve();
      } catch (error) {
        for (const outcome of outcomes) outcome.reject(error);
      }
    }
  }

  #write(journal: FileJournal, outcomes: readonly JobOutcome[]): void {
    const entries = new Map<string, JournalEntry>();
    // In the order reported: a file's later job decides over its earlier one.
    for (const { path, type, job } of outcomes) {
      entries.set(path, entryAfterOutcome(entries.get(path) ?? journal.get(path), type, job, path));
    }
    journal.write([...entries.values()], { durable: outcomes.some(needsBarrier) });
  }
}

/** The file goes (moved or deleted) once Drive has it. */
function needsBarrier({ type, rule }: JobOutcome): boolean {
  return type === 'job.done' && rule.afterUpload.action !== 'keep';
}
