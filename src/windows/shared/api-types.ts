import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/server/app-router.ts';

// The pages' view of the API, inferred from the router: no hand-copied shapes.
type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type HistoryPage = Outputs['history']['search'];
export type HistoryRecord = HistoryPage['items'][number];
export type HistoryQuery = Inputs['history']['search'];
export type HistorySyncStatus = Outputs['history']['status'];
export type AuthStatus = Outputs['auth']['status'];
export type Settings = Outputs['settings']['get'];
export type SettingsPatch = Inputs['settings']['update'];
