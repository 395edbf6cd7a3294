import { signal } from '@preact/signals';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { AppRouter } from '../../ipc/server/app-router.ts';
import { transformer } from '../../ipc/common/transformer.ts';
import { bridgeLink, desktop } from './bridge.ts';

export type AgentClient = TRPCClient<AppRouter>;

/**
 * - `connecting`: the page has just started;
 * - `connected`: live;
 * - `reconnecting`: the agent stopped answering a moment ago (a restart, a blip);
 * - `agent-gone`: it has not answered for a while;
 * - `signed-out`: web mode only: the agent answers but no longer knows this browser (it
 *   restarted, sessions live in its memory), so someone must run `driveup open` again.
 * The page retries by itself in every state but `connected`.
 */
export type ConnectionState =
  'connecting' | 'connected' | 'reconnecting' | 'agent-gone' | 'signed-out';

/** One agent event as the `events` subscription delivers it. */
export interface AgentEvent {
  type: string;
  at: Date;
  data: unknown;
}

/** How long the agent may be unreachable before the banner says it is gone rather than restarting. */
const GONE_AFTER_MS = 10_000;
const RETRY_DELAYS_MS = [250, 500, 1000, 2000];
/**
 * How long one check on the agent, or one start of the event stream, may take before it counts as
 * failed and the next try begins: a request that never answers (a half-open connection after a
 * laptop slept) must not end the trying.
 */
const ATTEMPT_TIMEOUT_MS = 5_000;

const linkOverBridge = desktop && bridgeLink(desktop);

/** `bridge` inside the desktop app, `http` in a browser (web mode). */
export const transport: 'bridge' | 'http' = linkOverBridge ? 'bridge' : 'http';

export const api: AgentClient = createTRPCClient<AppRouter>({
  links: linkOverBridge ? [linkOverBridge] : httpLinks(location.origin),
});

function httpLinks(origin: string): TRPCLink<AppRouter>[] {
  const url = `${origin}/api`;
  return [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url, transformer }),
      // Queries go as POST like mutations, so every call carries Origin (the server checks it)
      // and long search inputs never hit a URL length limit.
      false: httpBatchLink({ url, transformer, methodOverride: 'POST' }),
    }),
  ];
}

export const connection = signal<ConnectionState>('connecting');

const eventListeners = new Set<(event: AgentEvent) => void>();
const resyncListeners = new Set<() => void>();

/** Every agent event while connected. Returns the function that stops listening. */
export function onAgentEvent(listener: (event: AgentEvent) => void): () => void {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

/**
 * Called when what the page shows may be stale: once its events flow for the first time and after
 * a reconnection (events were missed in between), and on the agent's `resync` event. Pages
 * re-read their state here.
 */
export function onResync(listener: () => void): () => void {
  resyncListeners.add(listener);
  return () => resyncListeners.delete(listener);
}

let lastEventId: string | null = null;
let subscription: { unsubscribe(): void } | null = null;
let failingSince: number | null = null;
let attempt = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let startTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The page's one subscription to the agent's events: its life is the connection's. When it
 * breaks, the page asks the agent whether it is there and still knows this browser, and
 * subscribes again, resuming after the last event it saw.
 */
function subscribe(): void {
  startTimer = setTimeout(broken, ATTEMPT_TIMEOUT_MS);
  subscription = api.events.subscribe(
    { lastEventId },
    {
      onStarted: () => {
        clearTimeout(startTimer);
        // The first start counts too: pages read their state as they open, and what changed
        // between that read and now (a busy machine, a slow link) came as no event.
        const missed = failingSince !== null || connection.value === 'connecting';
        failingSince = null;
        attempt = 0;
        connection.value = 'connected';
        if (missed) resync();
      },
      onData: (tracked) => {
        lastEventId = tracked.id;
        const event = tracked.data as AgentEvent;
        if (event.type === 'resync') return resync();
        for (const listener of eventListeners) listener(event);
      },
      onConnectionStateChange: (state) => {
        if (state.state === 'connecting' && state.error) broken();
      },
      onError: broken,
      onComplete: broken,
    },
  );
}

function resync(): void {
  for (const listener of resyncListeners) listener();
}

function broken(): void {
  clearTimeout(startTimer);
  const current = subscription;
  if (current === null) return;
  // Cleared first: unsubscribing may report completion, which must not count as a second break.
  subscription = null;
  current.unsubscribe();
  failingSince ??= Date.now();
  if (connection.value === 'connected' || connection.value === 'connecting') {
    connection.value = 'reconnecting';
  }
  scheduleRetry();
}

function scheduleRetry(): void {
  const delay = RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)]!;
  retryTimer = setTimeout(() => void retry(), delay);
}

async function retry(): Promise<void> {
  retryTimer = undefined;
  const found = await probe();
  if (found === 'ok') return subscribe();
  const gone = Date.now() - (failingSince ?? Date.now()) > GONE_AFTER_MS;
  connection.value = found === 'signed-out' ? 'signed-out' : gone ? 'agent-gone' : 'reconnecting';
  scheduleRetry();
}

/** Whether the agent answers, and (web mode) still knows this browser's session. */
async function probe(): Promise<'ok' | 'signed-out' | 'unreachable'> {
  if (transport === 'bridge') return 'ok';
  try {
    const answer = await fetch('/session', {
      cache: 'no-store',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    if (answer.status === 204) return 'ok';
    return answer.status === 401 ? 'signed-out' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

/** Coming back to the page (another tab ran `driveup open`, a laptop woke up) retries at once. */
function retryNow(): void {
  // Only while waiting between tries: a probe under way will decide by itself.
  if (retryTimer === undefined) return;
  clearTimeout(retryTimer);
  attempt = 0;
  void retry();
}

addEventListener('focus', retryNow);
addEventListener('online', retryNow);
subscribe();
