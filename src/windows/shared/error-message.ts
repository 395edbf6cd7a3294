import { TRPCClientError } from '@trpc/client';
import { connection } from './agent-client.ts';

/** An API failure in words for people: the agent's own message, or that it did not answer. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError && error.data) return error.message;
  if (connection.value !== 'connected') return "DriveUp's agent did not answer.";
  return error instanceof Error ? error.message : String(error);
}
