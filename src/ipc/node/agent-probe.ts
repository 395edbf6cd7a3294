import type { IncomingMessage, ServerResponse } from 'node:http';
import { AgentNotRunningError } from './socket-errors.ts';
import { createSocketFetch } from './socket-fetch.ts';

/**
 * A path outside tRPC's namespace (procedure paths never start with a dot) where a socket server
 * says which process it is, so that a second agent can name the pid that holds the socket.
 * Asking the live server beats a pid file, which outlives a crash just like the socket does.
 */
const AGENT_PROBE_PATH = '/.driveup/agent';

/** What occupies a socket path. */
export type SocketOccupant =
  { kind: 'nothing' } | { kind: 'stale' } | { kind: 'agent'; pid: number | undefined };

/** Answers the probe; returns false for every other request, which then goes to tRPC. */
export function answerAgentProbe(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' || req.url !== AGENT_PROBE_PATH) return false;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid }));
  return true;
}

/**
 * Connects to `socketPath` and asks who is there. Refused ⇒ a socket file nobody listens on (its
 * agent died without removing it). Anything that accepts the connection counts as an agent, even
 * if it does not answer the probe in time: taking its socket over would cut it off.
 */
export async function probeSocket(socketPath: string, timeoutMs = 2_000): Promise<SocketOccupant> {
  const fetch = createSocketFetch(socketPath);
  let response: Response;
  try {
    response = await fetch(AGENT_PROBE_PATH, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (error instanceof AgentNotRunningError) {
      return error.code === 'ENOENT' ? { kind: 'nothing' } : { kind: 'stale' };
    }
    // node:http reports the timeout's abort as an AbortError (with the TimeoutError as cause).
    const name = (error as Error).name;
    if (name === 'AbortError' || name === 'TimeoutError') return { kind: 'agent', pid: undefined };
    throw error;
  }
  const body: unknown = response.ok ? await response.json().catch(() => undefined) : undefined;
  await response.body?.cancel().catch(() => {});
  const pid = (body as { pid?: unknown } | undefined)?.pid;
  return { kind: 'agent', pid: typeof pid === 'number' ? pid : undefined };
}
