/**
 * Work that joins a commit another module makes: the module that commits calls `run` inside its
 * transaction; whoever composes the parts (the agent) adds the participants. So the queue commits
 * a finished job together with its history record and its watch-journal entry without knowing
 * either. A participant writes through `transaction()` (it joins the open one) and does only
 * synchronous database work there; what must wait for the commit goes to `afterCommit`. A
 * participant that throws rolls the whole commit back.
 */
export class CommitParticipants<T> {
  readonly #participants: Array<(value: T) => void> = [];

  /** Returns the function that removes the participant. */
  add(participant: (value: T) => void): () => void {
    this.#participants.push(participant);
    return () => {
      const index = this.#participants.indexOf(participant);
      if (index >= 0) this.#participants.splice(index, 1);
    };
  }

  /** Call inside the transaction that commits `value`. */
  run(value: T): void {
    for (const participant of this.#participants) participant(value);
  }
}
