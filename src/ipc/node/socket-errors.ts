/**
 * Errors of the local-socket transport. Each is its own class so that callers (the CLI, the
 * agent's start-up) can tell them apart with `instanceof` and map them to exit codes and advice.
 */

/** Nothing listens on the socket: no file there (ENOENT), or a file nobody accepts on (ECONNREFUSED). */
export class AgentNotRunningError extends Error {
  override readonly name = 'AgentNotRunningError';
  readonly socketPath: string;
  /** ENOENT: no socket at all; ECONNREFUSED: a socket left behind by an agent that died. */
  readonly code: 'ENOENT' | 'ECONNREFUSED';

  constructor(socketPath: string, code: 'ENOENT' | 'ECONNREFUSED', options?: ErrorOptions) {
    super(`No DriveUp agent is listening on ${socketPath} (${code}).`, options);
    this.socketPath = socketPath;
    this.code = code;
  }
}

/** Another agent already serves this data directory; two would fight over the queue and database. */
export class AgentAlreadyRunningError extends Error {
  override readonly name = 'AgentAlreadyRunningError';
  readonly socketPath: string;
  /** The running agent's process id, when it answered the probe. */
  readonly pid: number | undefined;

  constructor(socketPath: string, pid: number | undefined) {
    super(
      `Another DriveUp agent${pid === undefined ? '' : ` (pid ${pid})`} is already running on ${socketPath}. ` +
        'Stop it first, or give this one a different DRIVEUP_HOME.',
    );
    this.socketPath = socketPath;
    this.pid = pid;
  }
}

/** The kernel limits a Unix socket's path (sun_path) to about a hundred bytes. */
export class SocketPathTooLongError extends Error {
  override readonly name = 'SocketPathTooLongError';
  readonly socketPath: string;
  readonly maxBytes: number;

  constructor(socketPath: string, bytes: number, maxBytes: number) {
    super(
      `The agent's socket path ${socketPath} is ${bytes} bytes long, but Unix sockets allow at most ` +
        `${maxBytes}. Set DRIVEUP_HOME to a shorter directory (for example ~/.driveup).`,
    );
    this.socketPath = socketPath;
    this.maxBytes = maxBytes;
  }
}

/**
 * Whether `error` is, or was caused by, an {@link AgentNotRunningError}. tRPC wraps transport
 * failures in a `TRPCClientError` whose `cause` is the fetch error, or, for subscriptions, the
 * EventSource's error event (which carries the error as `error`), so the chain is walked.
 */
export function isAgentNotRunningError(error: unknown): boolean {
  return findAgentNotRunningError(error) !== undefined;
}

export function findAgentNotRunningError(error: unknown): AgentNotRunningError | undefined {
  return findInChain(error, AgentNotRunningError);
}

/** The first error of `type` in `error`'s chain of causes (see isAgentNotRunningError). */
export function findInChain<T>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    if (current instanceof type) return current;
    seen.add(current);
    const next = current as { cause?: unknown; error?: unknown };
    current = next.cause ?? next.error;
  }
  return undefined;
}
