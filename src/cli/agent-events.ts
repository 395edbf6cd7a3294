import type { AgentEventView } from './api-views.ts';
import type { CliContext } from './cli-context.ts';

/** One agent event as the CLI handles it (the API's view): the type names its payload. */
export type AgentEvent = AgentEventView;

export interface EventSubscription {
  /**
   * Rejects when the stream fails for good (no agent at the first connection, a refused input).
   * Already observed, so a failure that comes while the command waits on something else, or
   * after it has finished, is never an unhandled rejection (which Node prints as a 100-line
   * dump of the TRPCClientError): race it against what the command waits for.
   */
  failed: Promise<never>;
  unsubscribe(): void;
}

/** Every agent event from now on, until `unsubscribe()`. */
export function subscribeToEvents(
  ctx: CliContext,
  onEvent: (event: AgentEvent) => void,
): EventSubscription {
  let fail!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const subscription = ctx.client.events.subscribe(
    {},
    {
      onData: ({ data }) => onEvent(data),
      onError: fail,
    },
  );
  return { failed, unsubscribe: () => subscription.unsubscribe() };
}
