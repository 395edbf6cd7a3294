import type { NotificationBatch } from '../core/notifications/notification-batch.ts';
import type { MessagePortMain } from './electron-api.ts';
import type { TrayInput } from './tray-presenter.ts';

export type TraySummary = NonNullable<TrayInput['summary']>;
export type TrayAuth = NonNullable<TrayInput['auth']>;

/** The desktop settings main acts on itself. */
export interface DesktopSettings {
  startAtLogin: boolean;
}

/** What main hears from the agent, already decoded. */
export type TrayAgentEvent =
  | { type: 'activity'; summary: TraySummary }
  | { type: 'auth'; status: TrayAuth }
  | { type: 'settings'; settings: DesktopSettings }
  | { type: 'batch'; batch: NotificationBatch }
  /** Events were lost (the agent restarted, or main fell behind): read the state again. */
  | { type: 'resync' };

/**
 * The procedures main itself calls, over whatever reaches the agent (its own port, or a headless
 * agent's socket). The lead implements it over the tRPC client: `activity.summary`,
 * `auth.status`, `settings.get` (`desktop.startAtLogin`), `queue.pause`/`resume`,
 * `queue.add({ paths, source: 'drop' })` (default folder), `queue.retry({ id })`, and the
 * `events` subscription (`activity.changed`, `auth.changed`, `settings.changed`,
 * `notifications.batch`, `resync`).
 */
export interface TrayAgentApi {
  summary(): Promise<TraySummary>;
  authStatus(): Promise<TrayAuth>;
  desktopSettings(): Promise<DesktopSettings>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Queues files and folders to the default folder, as a drop. */
  add(paths: string[]): Promise<void>;
  retry(jobIds: string[]): Promise<void>;
  /** Starts listening; the function returned stops. */
  subscribe(listener: (event: TrayAgentEvent) => void): () => void;
  close(): void;
}

/**
 * How main reaches agents (agent-connector.ts; tests may record instead): its own agent process
 * over a port, a headless agent over its socket, and a window's port bridged to that socket.
 */
export interface AgentConnector {
  /** Whether a headless `driveup agent` already serves this data directory's socket. */
  probe(socketPath: string): Promise<boolean>;
  /** A client of the agent on this port (main's end of a channel to the agent process). */
  apiOverPort(port: MessagePortMain): TrayAgentApi;
  /** A client of the headless agent on its socket. */
  apiOverSocket(socketPath: string): TrayAgentApi;
  /** Serves a window's port by forwarding its calls to the headless agent's socket. */
  bridgeToSocket(port: MessagePortMain, socketPath: string, client: string): void;
}
