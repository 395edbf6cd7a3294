import { TRPCClientError } from '@trpc/client';
import type { DriveUpPaths } from '../core/config/paths.ts';
import type { SocketRouter } from '../ipc/server/socket-router.ts';
import { createSocketClient } from '../ipc/node/socket-client.ts';
import {
  findAgentNotRunningError,
  findInChain,
  SocketPathTooLongError,
} from '../ipc/node/socket-errors.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { refusalWords } from './status-words.ts';

export type AgentClient = ReturnType<typeof createSocketClient<SocketRouter>>;

export function connectToAgent(paths: DriveUpPaths): AgentClient {
  return createSocketClient<SocketRouter>(paths.socketPath);
}

/**
 * Turns what went wrong talking to the agent into the one or two lines a person needs and the
 * exit code a script needs.
 */
export function toCliError(error: unknown, paths: DriveUpPaths): CliError | undefined {
  const tooLong = findInChain(error, SocketPathTooLongError);
  if (tooLong) return new CliError(tooLong.message, EXIT.failed);
  if (findAgentNotRunningError(error)) {
    return new CliError(
      `No DriveUp agent is running for ${paths.dataDir}.\nStart one with \`driveup agent\` (or open the DriveUp app).`,
      EXIT.noAgent,
    );
  }
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string; refusal?: { kind?: string } | null } | undefined;
    const refusal = data?.refusal?.kind ? refusalWords(data.refusal.kind) : undefined;
    return new CliError(
      refusal ?? error.message,
      data?.code === 'BAD_REQUEST' ? EXIT.usage : EXIT.failed,
    );
  }
  return undefined;
}
