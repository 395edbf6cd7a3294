import { signal } from '@preact/signals';
import { api, onAgentEvent, onResync } from '../shared/agent-client.ts';
import type { HistoryQuery, HistoryRecord, HistorySyncStatus } from '../shared/api-types.ts';
import { errorMessage } from '../shared/error-message.ts';

/** The search box and the filters, as typed (dates as `YYYY-MM-DD` from date inputs). */
export interface Filters {
  text: string;
  from: string;
  to: string;
  status: '' | 'uploaded' | 'skipped' | 'failed' | 'cancelled';
  machine: string;
  folder: string;
  /** A MIME family or type (`image`, `application/pdf`); empty for any. */
  type: string;
}

export const NO_FILTERS: Filters = {
  text: '',
  from: '',
  to: '',
  status: '',
  machine: '',
  folder: '',
  type: '',
};

export type Results =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | {
      state: 'ready';
      /** The search text these results answer (what the box said when it was asked). */
      text: string;
      items: HistoryRecord[];
      backend: 'mongodb' | 'local';
      nextCursor: string | null;
    };

const PAGE = 50;

export const filters = signal<Filters>(NO_FILTERS);
export const results = signal<Results>({ state: 'loading' });
export const loadingMore = signal(false);
export const syncStatus = signal<HistorySyncStatus | null>(null);

export function isFiltered(f: Filters): boolean {
  return (Object.keys(f) as Array<keyof Filters>).some((key) => f[key].trim() !== '');
}

export function setFilter<K extends keyof Filters>(key: K, value: Filters[K]): void {
  filters.value = { ...filters.value, [key]: value };
  void search();
}

export function clearFilters(): void {
  filters.value = NO_FILTERS;
  void search();
}

/** The API's query for what the filters say; a day's "to" includes that whole day. */
export function queryOf(f: Filters, cursor?: string): HistoryQuery {
  const query: HistoryQuery = { limit: PAGE };
  if (f.text.trim()) query.text = f.text;
  if (f.from) query.from = localMidnight(f.from, 0);
  if (f.to) query.to = localMidnight(f.to, 1);
  if (f.status) query.status = f.status;
  if (f.machine.trim()) query.machine = f.machine.trim();
  if (f.folder.trim()) query.folder = f.folder.trim();
  if (f.type) query.mimeType = f.type;
  if (cursor) query.cursor = cursor;
  return query;
}

function localMidnight(day: string, plusDays: number): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d! + plusDays);
}

// Search as you type: one search in flight at a time, and only the newest filters wait behind
// it, so fast typing never queues a backlog and a slow answer never overwrites a newer one.
let inFlight = false;
let again = false;

export async function search(): Promise<void> {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  const asked = filters.value;
  try {
    const page = await api.history.search.query(queryOf(asked));
    if (filters.value === asked) results.value = { state: 'ready', text: asked.text, ...page };
  } catch (error) {
    if (filters.value === asked) results.value = { state: 'error', message: errorMessage(error) };
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      void search();
    }
  }
}

/** The next page, when scrolling reaches the end of what is loaded. */
export async function loadMore(): Promise<void> {
  const current = results.value;
  if (current.state !== 'ready' || !current.nextCursor || loadingMore.value || inFlight) return;
  loadingMore.value = true;
  const asked = filters.value;
  try {
    const page = await api.history.search.query(queryOf(asked, current.nextCursor));
    if (filters.value === asked && results.value === current) {
      results.value = {
        ...current,
        items: [...current.items, ...page.items],
        nextCursor: page.nextCursor,
      };
    }
  } catch (error) {
    results.value = { state: 'error', message: errorMessage(error) };
  } finally {
    loadingMore.value = false;
  }
}

export async function refreshSyncStatus(): Promise<void> {
  try {
    syncStatus.value = await api.history.status.query();
  } catch {
    // The banner says the agent is away; the last known state stays on screen.
  }
}

/** New records show up at once while the first page is on screen; deeper, scrolling is not disturbed. */
function onRecorded(): void {
  const current = results.value;
  if (current.state !== 'ready' || current.items.length <= PAGE) void search();
}

let statusTimer: ReturnType<typeof setTimeout> | undefined;
function refreshSyncStatusSoon(): void {
  statusTimer ??= setTimeout(() => {
    statusTimer = undefined;
    void refreshSyncStatus();
  }, 250);
}

export function startHistory(): void {
  void search();
  void refreshSyncStatus();
  onAgentEvent((event) => {
    if (
      event.type === 'history.recorded' ||
      event.type === 'history.cleared' ||
      event.type === 'history.trashed'
    ) {
      onRecorded();
    }
    if (event.type === 'history.sync' || event.type === 'history.cleared') refreshSyncStatusSoon();
  });
  onResync(() => {
    void search();
    void refreshSyncStatus();
  });
}
