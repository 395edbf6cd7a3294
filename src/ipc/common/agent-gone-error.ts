/**
 * The port to the agent closed while a call was waiting for its answer: the agent stopped or
 * crashed, or the host took the port back. Whether a mutation took effect is unknown, so it is
 * not sent again; a face re-reads what it shows. Subscriptions resume on their own on the next
 * port, from the last event they saw.
 */
export class AgentGoneError extends Error {
  override readonly name = 'AgentGoneError';

  constructor(options?: ErrorOptions) {
    super('The agent went away before it answered (its port closed).', options);
  }
}

/**
 * Whether `error` is, or was caused by, an {@link AgentGoneError}: tRPC hands it over wrapped in
 * a `TRPCClientError` (as its `cause`), so the chain is walked.
 */
export function isAgentGoneError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    if (current instanceof AgentGoneError) return true;
    seen.add(current);
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
