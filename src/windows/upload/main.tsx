import '../shared/theme.css';
import './upload.css';
import { signal, type Signal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { desktop } from '../shared/bridge.ts';
import { notice } from '../shared/copy-link.ts';
import { formatBytes, formatBytesOf, formatCount, unfinished } from '../shared/format.ts';
import { liveProgress } from '../shared/live-jobs.ts';
import { WAITING_FOR } from '../shared/job-words.ts';
import { mountPage, PageFrame } from '../shared/page-frame.tsx';
import { StateIcon } from '../shared/state-icon.tsx';
import { VirtualList } from '../shared/virtual-list.tsx';
import type { Tone } from '../shared/job-words.ts';
import {
  defaultFolder,
  destination,
  folderFor,
  folderParts,
  recentFolders,
  startDestinations,
  typed,
} from './destination.ts';
import { chosenFolder, readDrop, type Dropped, type HandedFile } from './dropped-files.ts';
import {
  addFiles,
  addPaths,
  adding,
  cancel,
  clearFinished,
  items,
  retry,
  skipped,
  startUploads,
  totals,
  type UploadItem,
} from './upload-items.ts';

const ROW_HEIGHT = 48;
const dragging = signal(false);

function UploadPage() {
  const hasItems = items.value.length > 0 || adding.value > 0;
  return (
    <PageFrame page="upload" footer={<StatusBar />}>
      <div
        class={`upload${dragging.value ? ' upload-dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
          dragging.value = true;
        }}
        onDragLeave={(event) => {
          if (!event.relatedTarget) dragging.value = false;
        }}
        onDrop={(event) => {
          event.preventDefault();
          dragging.value = false;
          if (event.dataTransfer) void receiveDrop(event.dataTransfer);
        }}
      >
        <Destination />
        <DropZone compact={hasItems} />
        {hasItems && <ItemList />}
        <Skipped />
      </div>
    </PageFrame>
  );
}

function Destination() {
  const resolved = folderParts(destination.value);
  return (
    <div class="upload-destination">
      <div class="field">
        <label for="upload-destination">Destination in Google Drive</label>
        <input
          id="upload-destination"
          class="input"
          list="upload-recent"
          placeholder={defaultFolder.value ?? 'Loading the default folder…'}
          value={typed.value}
          autoComplete="off"
          spellcheck={false}
          aria-describedby="upload-resolved"
          onInput={(event) => (typed.value = (event.currentTarget as HTMLInputElement).value)}
        />
        <datalist id="upload-recent">
          {recentFolders.value.map((folder) => (
            <option key={folder} value={folder} />
          ))}
        </datalist>
      </div>
      <p id="upload-resolved" class="upload-resolved">
        <span class="muted">Goes to </span>
        <span class="upload-path" title={resolved.join('/')}>
          {['My Drive', ...resolved].join(' › ')}
        </span>
        {typed.value.trim() === '' && defaultFolder.value !== null && (
          <span class="muted"> (the default)</span>
        )}
      </p>
    </div>
  );
}

function DropZone({ compact }: { compact: boolean }) {
  const folderInput = useRef<HTMLInputElement>(null);
  const chooseFolder = async () => {
    if (!desktop) return folderInput.current?.click();
    const folder = await desktop.pickFolder();
    if (folder) await addPaths([folder], destination.value);
  };
  return (
    <section class={`dropzone${compact ? ' dropzone-compact' : ''}`} aria-labelledby="drop-title">
      <p id="drop-title" class="dropzone-title">
        Drop files or folders here
      </p>
      {!compact && (
        <p class="muted dropzone-detail">
          {desktop
            ? 'They are uploaded from where they are; nothing is copied.'
            : 'Each file is sent to DriveUp on this machine, then uploaded.'}
        </p>
      )}
      <div class="dropzone-actions">
        <input
          id="choose-files"
          class="visually-hidden"
          type="file"
          multiple
          aria-label="Choose files"
          onChange={(event) => {
            const input = event.currentTarget as HTMLInputElement;
            if (input.files) void receiveChosen(input.files);
            input.value = '';
          }}
        />
        <label for="choose-files" class="button button-primary" aria-hidden="true">
          Choose files
        </label>
        <button type="button" class="button" onClick={() => void chooseFolder()}>
          Choose folder
        </button>
        {!desktop && (
          <input
            ref={folderInput}
            class="visually-hidden"
            type="file"
            tabIndex={-1}
            aria-hidden="true"
            // Chromium and Firefox: the whole folder, each file with its path inside it.
            {...{ webkitdirectory: true }}
            onChange={(event) => {
              const input = event.currentTarget as HTMLInputElement;
              if (input.files) receiveFiles(chosenFolder(input.files));
              input.value = '';
            }}
          />
        )}
      </div>
    </section>
  );
}

async function receiveDrop(data: DataTransfer): Promise<void> {
  const read = readDrop(data);
  const dropped = await read();
  if (dropped.kind === 'paths') {
    if (dropped.paths.length) await addPaths(dropped.paths, destination.value);
    return;
  }
  receiveFiles(dropped);
}

function receiveFiles(handed: Extract<Dropped, { kind: 'files' }>): void {
  skipped.value = [...skipped.value, ...handed.skipped];
  queueHanded(handed.files);
}

async function receiveChosen(files: FileList): Promise<void> {
  if (desktop) {
    const paths = Array.from(files, (file) => desktop!.getPathForFile(file)).filter(Boolean);
    if (paths.length) await addPaths(paths, destination.value);
    return;
  }
  queueHanded(Array.from(files, (file) => ({ file, relativeDir: '' })));
}

function queueHanded(files: HandedFile[]): void {
  if (files.length === 0) return;
  addFiles(files.map(({ file, relativeDir }) => ({ file, folder: folderFor(relativeDir) })));
  const folder = destination.value;
  recentFolders.value = [folder, ...recentFolders.value.filter((f) => f !== folder)].slice(0, 6);
}

function ItemList() {
  const finished = totals.value.done + totals.value.failed;
  return (
    <>
      <div class="upload-list-head">
        <h2>Files</h2>
        {adding.value > 0 && (
          <span class="muted" role="status">
            Adding {formatCount(adding.value)}…
          </span>
        )}
        {finished > 0 && (
          <button type="button" class="button button-small button-quiet" onClick={clearFinished}>
            Clear finished
          </button>
        )}
      </div>
      <VirtualList
        items={items.value}
        rowHeight={ROW_HEIGHT}
        label="Files to upload"
        itemKey={(item) => item.value.key}
        renderRow={(item) => <ItemRow item={item} />}
      />
    </>
  );
}

/** What an item's state says, in words and with its tone. */
function phaseWords(item: UploadItem): { word: string; tone: Tone } {
  switch (item.phase) {
    case 'waiting':
      return { word: 'Waiting to send', tone: 'neutral' };
    case 'sending':
      return { word: 'Sending to DriveUp', tone: 'active' };
    case 'adding':
      return { word: 'Adding', tone: 'neutral' };
    case 'queued':
      return item.job?.waitingFor
        ? { word: WAITING_FOR[item.job.waitingFor], tone: 'warning' }
        : { word: 'Queued', tone: 'neutral' };
    case 'uploading':
      return { word: 'Uploading', tone: 'active' };
    case 'retrying':
      return { word: 'Retrying', tone: 'warning' };
    case 'done':
      return {
        word: item.already === 'uploaded' ? 'Already in Drive' : 'Done',
        tone: 'success',
      };
    case 'failed':
      return { word: 'Failed', tone: 'danger' };
    case 'refused':
      return { word: 'Not taken', tone: 'danger' };
    case 'cancelled':
      return { word: 'Cancelled', tone: 'neutral' };
  }
}

function ItemRow({ item }: { item: Signal<UploadItem> }) {
  const it = item.value;
  const { word, tone } = phaseWords(it);
  return (
    <div class="upload-row">
      <StateIcon tone={tone} />
      <div class="upload-row-main">
        <div class="upload-row-line">
          <span class="upload-name" title={it.path ?? it.name}>
            {it.name}
          </span>
          <span class={`upload-state tone-${tone}`}>{word}</span>
        </div>
        <ItemDetail item={it} />
      </div>
      <ItemActions item={item} />
    </div>
  );
}

/** The second line: progress while moving, where it went when done, why when it failed. */
function ItemDetail({ item }: { item: UploadItem }) {
  const live = item.job ? liveProgress(item.job.id).value : null;
  if (item.phase === 'sending') {
    return <Bar label={`Sending ${item.name}`} done={item.sent} total={item.size} />;
  }
  if (item.phase === 'uploading' || (item.phase === 'retrying' && live)) {
    const sent = Math.max(item.job?.sentBytes ?? 0, live?.sentBytes ?? 0);
    return <Bar label={`Uploading ${item.name}`} done={sent} total={item.size} />;
  }
  if (item.phase === 'failed' || item.phase === 'refused' || item.phase === 'retrying') {
    const reason = item.job?.message ?? item.error ?? item.job?.error ?? '';
    return (
      <p class="upload-detail upload-error" title={reason}>
        {reason}
      </p>
    );
  }
  const where = item.job?.folderPath ?? item.folder;
  const size = item.size ? `${formatBytes(item.size)} · ` : '';
  return (
    <p class="upload-detail muted" title={where}>
      {size}
      {item.phase === 'done' ? 'in ' : 'to '}
      {where}
      {item.already === 'queued' && item.phase !== 'done' ? ' · it was queued already' : ''}
    </p>
  );
}

/** A bar for what is still moving: it says 100% only once the file is done. */
function Bar({ label, done, total }: { label: string; done: number; total: number }) {
  const fraction = unfinished(total > 0 ? done / total : 0);
  return (
    <div class="upload-bar">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(fraction * 100)}
        aria-valuetext={formatBytesOf(done, total)}
      >
        <div class="progress-fill" style={{ transform: `scaleX(${fraction})` }} />
      </div>
      <span class="upload-percent num" aria-hidden="true">
        {Math.floor(fraction * 100)}%
      </span>
    </div>
  );
}

function ItemActions({ item }: { item: Signal<UploadItem> }) {
  const it = item.value;
  const link = it.job?.webViewLink;
  return (
    <div class="upload-actions">
      {it.phase === 'done' && link && (
        <a
          class="button button-small"
          href={link}
          target="_blank"
          rel="noopener noreferrer"
          aria-label={`Open ${it.name} in Drive`}
        >
          Open
        </a>
      )}
      {(it.phase === 'failed' || it.phase === 'refused' || it.phase === 'cancelled') && (
        <button
          type="button"
          class="button button-small"
          aria-label={`Retry ${it.name}`}
          onClick={() => void retry(item)}
        >
          Retry
        </button>
      )}
      {['waiting', 'sending', 'queued', 'uploading', 'retrying'].includes(it.phase) && (
        <button
          type="button"
          class="button button-small button-quiet"
          aria-label={`Cancel ${it.name}`}
          onClick={() => void cancel(item)}
        >
          Cancel
        </button>
      )}
    </div>
  );
}

function Skipped() {
  const list = skipped.value;
  if (list.length === 0) return null;
  return (
    <details class="upload-skipped">
      <summary>
        Left out: {formatCount(list.length)} {list.length === 1 ? 'item' : 'items'}
      </summary>
      <ul aria-label="Left out">
        {list.slice(0, 200).map((entry) => (
          <li key={entry.path} title={entry.path}>
            {entry.message}
          </li>
        ))}
        {list.length > 200 && <li class="muted">…and {formatCount(list.length - 200)} more</li>}
      </ul>
    </details>
  );
}

function StatusBar() {
  const t = totals.value;
  const parts = [];
  if (t.all) parts.push(`${formatCount(t.done)} of ${formatCount(t.all)} done`);
  if (t.active) parts.push(`${formatCount(t.active)} in progress`);
  if (t.failed) parts.push(`${formatCount(t.failed)} failed`);
  return (
    <footer class="statusbar">
      <span role="status">{parts.join(' · ') || 'Nothing dropped yet.'}</span>
      <span class="statusbar-notice" role="status">
        {notice.value}
      </span>
    </footer>
  );
}

mountPage(<UploadPage />);
startUploads();
startDestinations();
