import type { AnyTRPCRouter } from '@trpc/server';
import { createHTTPHandler, type CreateHTTPHandlerOptions } from '@trpc/server/adapters/standalone';
import { chmod, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { answerAgentProbe } from '../node/agent-probe.ts';
import { ensurePrivateDirectory } from './private-directory.ts';
import { AgentAlreadyRunningError } from '../node/socket-errors.ts';
import { assertSocketPathFits, isNamedPipe } from '../node/socket-path.ts';
import { clearStaleSocket } from './stale-socket.ts';

export type SocketServerOptions<TRouter extends AnyTRPCRouter> =
  CreateHTTPHandlerOptions<TRouter> & {
    /** `agent.sock` in the data directory, or a `\\.\pipe\…` name on Windows (see core/config/paths). */
    socketPath: string;
  };

export interface SocketServer {
  readonly socketPath: string;
  /** Stops listening, ends every open request and subscription, and removes the socket file. */
  close(): Promise<void>;
}

/**
 * Serves a tRPC router over HTTP on a Unix domain socket (or a Windows named pipe) with tRPC's
 * standalone adapter: batched queries and mutations, subscriptions as server-sent events.
 *
 * Only the owning user can connect: the socket's directory is made 0700 and the socket 0600.
 * Linux could also tell us the peer's uid (SO_PEERCRED), but Node does not expose it, and the
 * directory already keeps everyone else from reaching the socket. On Windows, Node offers no way
 * to give a named pipe its own DACL, so the pipe keeps the system's default security; its name is
 * per user and data directory (see core/config/paths).
 *
 * A socket file left by a crashed agent is replaced; a live agent on the path makes this throw
 * {@link AgentAlreadyRunningError}.
 */
export async function startSocketServer<TRouter extends AnyTRPCRouter>(
  options: SocketServerOptions<TRouter>,
): Promise<SocketServer> {
  const { socketPath, ...handlerOptions } = options;
  const pipe = isNamedPipe(socketPath);
  if (!pipe) {
    assertSocketPathFits(socketPath);
    await ensurePrivateDirectory(dirname(socketPath));
  }

  const handle = createHTTPHandler({
    // The socket client sends queries as POST (see socket-client.ts).
    allowMethodOverride: true,
    // Room for `queue.add` with its maximum of 100,000 long paths; anything bigger is a runaway
    // script, answered 413 before it is read into memory.
    maxBodySize: 64 * 1024 * 1024,
    ...handlerOptions,
  } as CreateHTTPHandlerOptions<TRouter>);
  const server = createServer((req, res) => {
    if (!answerAgentProbe(req, res)) handle(req, res);
  });

  await listenReplacingStale(server, socketPath);
  if (!pipe) {
    try {
      await restrictToOwner(socketPath);
    } catch (error) {
      await closeServer(server);
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close: () => (closing ??= closeServer(server)),
  };
}

async function listenReplacingStale(server: Server, socketPath: string): Promise<void> {
  // A few rounds, in case another agent grabs or drops the path between our probe and listen.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await listen(server, socketPath);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      await clearStaleSocket(socketPath);
    }
  }
  throw new AgentAlreadyRunningError(socketPath, undefined);
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(socketPath);
  });
}

/**
 * chmod right after listen rather than a umask around it: umask is process-wide (it would leak
 * into files other parts of the agent create at that moment) and unavailable in worker threads.
 * The socket is never reachable with its initial mode, because its directory is already 0700.
 */
async function restrictToOwner(socketPath: string): Promise<void> {
  await chmod(socketPath, 0o600);
  const mode = (await stat(socketPath)).mode & 0o777;
  if (mode !== 0o600) {
    throw new Error(`Could not restrict ${socketPath} to its owner (mode ${mode.toString(8)}).`);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // close() alone would wait for every subscription stream to end, which they never do.
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
