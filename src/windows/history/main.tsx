import '../shared/theme.css';
import './history.css';
import { signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { HistoryRecord } from '../shared/api-types.ts';
import { formatBytes, formatCount, formatWhen } from '../shared/format.ts';
import { mountPage, PageFrame } from '../shared/page-frame.tsx';
import { StateBlock } from '../shared/state-block.tsx';
import { Toolbar } from '../shared/toolbar.tsx';
import { VirtualList } from '../shared/virtual-list.tsx';
import {
  clearFilters,
  filters,
  isFiltered,
  loadingMore,
  loadMore,
  results,
  search,
  setFilter,
  startHistory,
  syncStatus,
  type Filters,
} from './history-search.ts';

const ROW_HEIGHT = 40;

/** What was just done (a link copied), for everyone and for screen readers. */
const notice = signal('');

const STATUS_WORDS: Record<HistoryRecord['status'], string> = {
  uploaded: 'Uploaded',
  skipped: 'Skipped: already in Drive',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const TYPES: Array<[string, string]> = [
  ['', 'Any type'],
  ['image', 'Images'],
  ['video', 'Videos'],
  ['audio', 'Audio'],
  ['text', 'Text'],
  ['application/pdf', 'PDF'],
];

function HistoryPage() {
  const searchBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // Ctrl/Cmd+F finds in DriveUp's history, as people expect of a search window.
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        searchBox.current?.focus();
        searchBox.current?.select();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  return (
    <PageFrame page="history" footer={<StatusBar />}>
      <SearchBar searchBox={searchBox} />
      <Results />
    </PageFrame>
  );
}

/** Filters beyond the search box, status and type live behind "More filters" to keep the list tall. */
const moreFilters = signal(false);

function SearchBar({ searchBox }: { searchBox: { current: HTMLInputElement | null } }) {
  const f = filters.value;
  const text = (key: keyof Filters) => (event: Event) =>
    setFilter(key, (event.currentTarget as HTMLInputElement).value as never);
  const hidden = [f.from, f.to, f.machine, f.folder].filter((v) => v.trim() !== '').length;
  return (
    <Toolbar label="Search and filters" search>
      <div class="field history-search">
        <label for="history-text">Search</label>
        <input
          id="history-text"
          ref={searchBox}
          class="input"
          type="search"
          aria-label="Search uploads"
          placeholder="File name, folder or path"
          autoFocus
          value={f.text}
          onInput={text('text')}
        />
      </div>
      <div class="field">
        <label for="history-status">Status</label>
        <select id="history-status" class="input" value={f.status} onChange={text('status')}>
          <option value="">Any status</option>
          <option value="uploaded">Uploaded</option>
          <option value="skipped">Skipped</option>
          <option value="failed">Failed</option>
          <option value="cancelled">Cancelled</option>
        </select>
      </div>
      <div class="field">
        <label for="history-type">Type</label>
        <select id="history-type" class="input" value={f.type} onChange={text('type')}>
          {TYPES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <button
        type="button"
        class="button"
        aria-expanded={moreFilters.value}
        aria-controls="history-more"
        onClick={() => (moreFilters.value = !moreFilters.value)}
      >
        More filters{hidden ? ` (${hidden})` : ''}
      </button>
      {isFiltered(f) && (
        <button type="button" class="button button-quiet" onClick={clearFilters}>
          Clear
        </button>
      )}
      <div id="history-more" class="history-more" hidden={!moreFilters.value}>
        <div class="field">
          <label for="history-from">From</label>
          <input
            id="history-from"
            class="input"
            type="date"
            value={f.from}
            onInput={text('from')}
          />
        </div>
        <div class="field">
          <label for="history-to">To</label>
          <input id="history-to" class="input" type="date" value={f.to} onInput={text('to')} />
        </div>
        <div class="field">
          <label for="history-machine">Machine</label>
          <input id="history-machine" class="input" value={f.machine} onInput={text('machine')} />
        </div>
        <div class="field history-folder-filter">
          <label for="history-folder">Drive folder</label>
          <input
            id="history-folder"
            class="input"
            placeholder="Lab/2026"
            value={f.folder}
            onInput={text('folder')}
          />
        </div>
      </div>
    </Toolbar>
  );
}

function Results() {
  const r = results.value;
  if (r.state === 'loading') return <StateBlock kind="loading" title="Searching the history…" />;
  if (r.state === 'error') {
    return (
      <StateBlock
        kind="error"
        title="The history could not be searched."
        detail={r.message}
        action={
          <button type="button" class="button" onClick={() => void search()}>
            Try again
          </button>
        }
      />
    );
  }
  if (r.items.length === 0) {
    return isFiltered(filters.value) ? (
      <StateBlock
        kind="empty"
        title="No uploads match."
        detail="Try fewer words, or other dates or filters."
        action={
          <button type="button" class="button" onClick={clearFilters}>
            Clear search and filters
          </button>
        }
      />
    ) : (
      <StateBlock
        kind="empty"
        title="No uploads yet."
        detail="Files DriveUp uploads appear here, from every machine that shares this history."
      />
    );
  }
  return (
    <>
      <div class="history-columns" aria-hidden="true">
        <span>Name</span>
        <span class="history-folder">Drive folder</span>
        <span class="history-size">Size</span>
        <span class="history-machine">Machine</span>
        <span>Finished</span>
        <span />
      </div>
      <VirtualList
        items={r.items}
        rowHeight={ROW_HEIGHT}
        label="Uploads found"
        itemKey={(record) => record.id}
        renderRow={(record) => <HistoryRow record={record} />}
        onNearEnd={r.nextCursor ? loadMore : undefined}
      />
    </>
  );
}

function HistoryRow({ record }: { record: HistoryRecord }) {
  const failed = record.status === 'failed' || record.status === 'cancelled';
  return (
    <>
      <span class="history-name">
        <span class="history-name-text" title={record.path}>
          {record.name}
        </span>
        {record.status === 'skipped' && <span class="tag">{STATUS_WORDS.skipped}</span>}
        {record.trashedAt && (
          <span class="tag" title={`Moved to Drive's trash ${formatWhen(record.trashedAt)}`}>
            In Drive's trash
          </span>
        )}
      </span>
      <span
        class={`history-folder${failed ? ' history-error' : ' muted'}`}
        title={failed && record.error ? record.error : record.folderPath}
      >
        {failed && record.error ? record.error : record.folderPath}
      </span>
      <span class="history-size num">{formatBytes(record.size)}</span>
      <span class="history-machine" title={record.machine}>
        {record.machine}
      </span>
      <span class="num">
        <time dateTime={record.finishedAt.toISOString()}>{formatWhen(record.finishedAt)}</time>
      </span>
      <span class="history-actions">
        {failed ? (
          <span class="tag tag-danger">{STATUS_WORDS[record.status]}</span>
        ) : record.webViewLink ? (
          <>
            <a
              class="button button-small"
              href={record.webViewLink}
              target="_blank"
              rel="noopener noreferrer"
              aria-label={`Open ${record.name} in Drive`}
            >
              Open
            </a>
            <button
              type="button"
              class="button button-small button-quiet"
              aria-label={`Copy link to ${record.name}`}
              onClick={() => void copyLink(record)}
            >
              Copy link
            </button>
          </>
        ) : (
          <span class="muted">No link</span>
        )}
      </span>
    </>
  );
}

async function copyLink(record: HistoryRecord): Promise<void> {
  try {
    await navigator.clipboard.writeText(record.webViewLink!);
    notice.value = `Link to ${record.name} copied.`;
  } catch {
    notice.value = `The browser did not allow copying. The link is ${record.webViewLink}`;
  }
}

function StatusBar() {
  const r = results.value;
  const sync = syncStatus.value;
  const found =
    r.state === 'ready'
      ? `${formatCount(r.items.length)}${r.nextCursor ? '+' : ''} ${r.items.length === 1 ? 'upload' : 'uploads'}`
      : '';
  const syncTroubled = sync?.state === 'failing' || (sync?.mongodbConfigured && !sync.reachable);
  return (
    // Which search the results on screen answer: for people's tools and the UI benchmark.
    <footer class="statusbar" data-results-for={r.state === 'ready' ? r.text : undefined}>
      <span role="status">
        {found}
        {loadingMore.value ? ' · loading more…' : ''}
      </span>
      {r.state === 'ready' && (
        <span>
          {r.backend === 'mongodb'
            ? 'Searched the shared history (MongoDB)'
            : "Searched this machine's history"}
        </span>
      )}
      {sync && (
        <span class={syncTroubled ? 'tag tag-warning' : undefined}>
          {sync.message.charAt(0).toUpperCase() + sync.message.slice(1)}
        </span>
      )}
      <span class="statusbar-notice" role="status">
        {notice.value}
      </span>
    </footer>
  );
}

mountPage(<HistoryPage />);
startHistory();
