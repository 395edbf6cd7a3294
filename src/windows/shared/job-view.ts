import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/server/app-router.ts';

type Outputs = inferRouterOutputs<AppRouter>;

/** A job as the pages show it: the API's `JobView` (never a database row). */
export type JobView = Outputs['queue']['list']['jobs'][number];
export type JobState = JobView['state'];
export type PauseKind = NonNullable<JobView['waitingFor']>;
