import type { ActivityState } from './activity-state.ts';

/** Events the activity monitor emits on the agent's bus (name → payload). */
export interface ActivityEvents {
  /** What the agent is doing changed; at most four a second. */
  'activity.changed': { summary: ActivityState };
}
