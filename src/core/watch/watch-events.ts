/** Events the watch area emits on the agent's bus (name → payload). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WatchEvents {}
