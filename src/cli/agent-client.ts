import { TRPCClientError } from '@trpc/client';
import type { DriveUpPaths } from '../core/config/paths.ts';
import type { AppRouter } from '../ipc/server/app-router.ts';
import { createSocketClient } from '../ipc/node/socket-client.ts';
import { findAgentNotRunningError } from '../ipc/node/socket-errors.ts';
import { CliError, EXIT } from './exit-codes.ts';

export type AgentClient = ReturnType<typeof createSocketClient<AppRouter>>;

export function connectToAgent(paths: DriveUpPaths): AgentClient {
  return createSocketClient<AppRouter>(paths.socketPath);
}

/**
 * Turns what went wrong talking to the agent into the one or two lines a person needs and the
 * exit code a script needs.
 */
export function toCliError(error: unknown, paths: DriveUpPaths): CliError | undefined {
  if (findAgentNotRunningError(error)) {
    return new CliError(
      `No DriveUp agent is running for ${paths.dataDir}.\nStart one with \`driveup agent\` (or open the DriveUp app).`,
      EXIT.noAgent,
    );
  }
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    return new CliError(error.message, code === 'BAD_REQUEST' ? EXIT.usage : EXIT.failed);
  }
  return undefined;
}
