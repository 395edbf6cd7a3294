import type { NotificationBatch } from '../core/notifications/notification-batch.ts';
import type {
  DesktopSettings,
  TrayAgentApi,
  TrayAgentEvent,
  TrayAuth,
  TraySummary,
} from './agent-api.ts';

/** One event of the `events` subscription, as the tRPC client hands it over (tracked). */
interface TrackedAgentEvent {
  id: string;
  data: { type: string; data: unknown };
}

/**
 * The procedures main calls, as a tRPC client of the app router has them (`activity.summary`,
 * and the `activity.changed`, `settings.changed` and `notifications.batch` events): a
 * `TRPCClient<AppRouter>` satisfies it, which agent-connector.ts has the compiler check.
 */
export interface TrayProcedures {
  activity: { summary: { query(): Promise<TraySummary> } };
  auth: { status: { query(): Promise<TrayAuth> } };
  settings: { get: { query(): Promise<{ desktop?: { startAtLogin?: boolean } }> } };
  queue: {
    pause: { mutate(input?: { reason?: string }): Promise<unknown> };
    resume: { mutate(): Promise<unknown> };
    add: { mutate(input: { paths: string[]; source: 'drop' }): Promise<unknown> };
    retry: { mutate(input: { id: string }): Promise<unknown> };
  };
  events: {
    subscribe(
      input: { lastEventId?: string | null },
      observer: {
        onData(event: TrackedAgentEvent): void;
        onError(error: unknown): void;
      },
    ): { unsubscribe(): void };
  };
}

/** Main's view of the agent over a tRPC client (its port, or a headless agent's socket). */
export function trayApiOverTrpc(
  client: TrayProcedures,
  close: () => void = () => {},
): TrayAgentApi {
  const desktopSettings = async (): Promise<DesktopSettings> => {
    const settings = await client.settings.get.query();
    return { startAtLogin: settings.desktop?.startAtLogin === true };
  };
  return {
    summary: () => client.activity.summary.query(),
    authStatus: () => client.auth.status.query(),
    desktopSettings,
    pause: async () => void (await client.queue.pause.mutate({})),
    resume: async () => void (await client.queue.resume.mutate()),
    add: async (paths) => void (await client.queue.add.mutate({ paths, source: 'drop' })),
    async retry(jobIds) {
      for (const id of jobIds) await client.queue.retry.mutate({ id });
    },
    subscribe(listener) {
      const toTrayEvent = async (event: TrackedAgentEvent['data']) => {
        const data = event.data as Record<string, unknown> | undefined;
        switch (event.type) {
          // The event says that something changed; the summary says what, at most 4 times a second.
          case 'activity.changed':
            return { type: 'activity', summary: await client.activity.summary.query() } as const;
          case 'auth.changed':
            return { type: 'auth', status: data?.status as TrayAuth } as const;
          case 'settings.changed':
            return { type: 'settings', settings: await desktopSettings() } as const;
          case 'notifications.batch':
            return { type: 'batch', batch: data?.batch as NotificationBatch } as const;
          case 'resync':
            return { type: 'resync' } as const;
          default:
            return undefined;
        }
      };
      const subscription = client.events.subscribe(
        {},
        {
          onData: ({ data: event }) =>
            void toTrayEvent(event).then(
              (decoded: TrayAgentEvent | undefined) => decoded && listener(decoded),
              () => listener({ type: 'resync' }),
            ),
          // The link reconnects by itself and resumes; anything it could not resume is re-read.
          onError: () => listener({ type: 'resync' }),
        },
      );
      return () => subscription.unsubscribe();
    },
    close,
  };
}
