import type { inferRouterOutputs } from '@trpc/server';
import type { AgentEventView } from '../ipc/server/event-views.ts';
import type { SocketRouter } from '../ipc/server/socket-router.ts';

// The CLI's view of the API, inferred from the router: no hand-copied shapes.
type Outputs = inferRouterOutputs<SocketRouter>;

export type JobView = Outputs['queue']['get'];
export type AddedJobView = Outputs['queue']['add']['jobs'][number];
export type PlannedFileView = NonNullable<Outputs['queue']['add']['plan']>[number];
export type AuthStatus = Outputs['auth']['status'];
export type AgentStatus = Outputs['agent']['status'];
export type PauseView = NonNullable<Outputs['queue']['status']['pause']>;
export type { AgentEventView };
export type RuleStatusView = Outputs['watch']['list'][number];
