import type { ActivityEvents } from './activity/activity-events.ts';
import type { AuthEvents } from './auth/auth-events.ts';
import type { SettingsEvents } from './config/settings-events.ts';
import type { HistoryEvents } from './history/history-events.ts';
import type { NotificationEvents } from './notifications/notification-events.ts';
import type { QueueEvents } from './queue/queue-events.ts';
import type { WatchEvents } from './watch/watch-events.ts';
import type { EventBus } from './events/event-bus.ts';

/** Every event the agent emits, by name. Each area declares its own part. */
export interface AgentEvents
  extends
    QueueEvents,
    AuthEvents,
    WatchEvents,
    HistoryEvents,
    ActivityEvents,
    SettingsEvents,
    NotificationEvents {}

export type AgentBus = EventBus<AgentEvents>;
