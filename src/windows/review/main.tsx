import '../shared/theme.css';
import './review.css';
import { signal } from '@preact/signals';
import { ConfirmDialog } from '../shared/confirm-dialog.tsx';
import { copyLink, notice } from '../shared/copy-link.ts';
import { formatCount, formatWhen } from '../shared/format.ts';
import type { Tone } from '../shared/job-words.ts';
import { mountPage, PageFrame } from '../shared/page-frame.tsx';
import { PageLink } from '../shared/page-link.tsx';
import { StateBlock } from '../shared/state-block.tsx';
import { StateIcon } from '../shared/state-icon.tsx';
import { VirtualList } from '../shared/virtual-list.tsx';
import {
  files,
  load,
  moveToTrash,
  retry,
  retryAllFailed,
  review,
  startReview,
  type ReviewFile,
} from './review-state.ts';

const ROW_HEIGHT = 40;
/** The file a person asked to move to the trash, while the dialog asks them to confirm. */
const confirming = signal<ReviewFile | null>(null);

function ReviewPage() {
  return (
    <PageFrame page="review" footer={<StatusBar />}>
      <Body />
      {confirming.value && <TrashDialog file={confirming.value} />}
    </PageFrame>
  );
}

function Body() {
  const r = review.value;
  switch (r.state) {
    case 'loading':
      return <StateBlock kind="loading" title="Reading the batch…" />;
    case 'no-batch':
      return (
        <StateBlock
          kind="empty"
          title="Nothing to review."
          detail="Click a DriveUp notification to review the uploads it sums up. Every upload is in History."
          action={<PageLink page="history">Open History</PageLink>}
        />
      );
    case 'missing':
      return (
        <StateBlock
          kind="empty"
          title="This batch is no longer kept."
          detail="DriveUp keeps the recent batches only, and forgets them when it restarts. Its uploads are in History."
          action={<PageLink page="history">Open History</PageLink>}
        />
      );
    case 'error':
      return (
        <StateBlock
          kind="error"
          title="The batch could not be read."
          detail={r.message}
          action={
            <button type="button" class="button" onClick={() => void load()}>
              Try again
            </button>
          }
        />
      );
    case 'ready':
      return <Batch summary={r.batch.summary} endedAt={r.batch.endedAt} />;
  }
}

function Batch({ summary, endedAt }: { summary: string; endedAt: Date }) {
  const failed = files.value.filter((file) => file.state === 'failed').length;
  return (
    <>
      <div class="review-head">
        <div>
          <h2 class="review-summary">{summary}</h2>
          <p class="muted review-when">
            Finished <time dateTime={endedAt.toISOString()}>{formatWhen(endedAt)}</time>
          </p>
        </div>
        {failed > 0 && (
          <button type="button" class="button" onClick={() => void retryAllFailed()}>
            Retry failed ({formatCount(failed)})
          </button>
        )}
      </div>
      <VirtualList
        items={files.value}
        rowHeight={ROW_HEIGHT}
        label="Uploads in this batch"
        itemKey={(file) => file.jobId}
        renderRow={(file) => <FileRow file={file} />}
      />
    </>
  );
}

function fileWords(file: ReviewFile): { word: string; tone: Tone } {
  if (file.trashedAt) return { word: "In Drive's trash", tone: 'neutral' };
  switch (file.state) {
    case 'done':
      return { word: 'Uploaded', tone: 'success' };
    case 'failed':
      return { word: 'Failed', tone: 'danger' };
    case 'cancelled':
      return { word: 'Cancelled', tone: 'neutral' };
    case 'running':
      return { word: 'Uploading', tone: 'active' };
    default:
      return { word: 'Retrying', tone: 'warning' };
  }
}

function FileRow({ file }: { file: ReviewFile }) {
  const { word, tone } = fileWords(file);
  const detail = file.problem ?? (file.state === 'failed' ? file.error : file.folder) ?? '';
  const bad = Boolean(file.problem) || file.state === 'failed';
  return (
    <div class="review-row">
      <StateIcon tone={tone} />
      <div class="review-main">
        <span class="review-name">{file.name}</span>
        <span class={`review-detail ${bad ? 'tone-danger' : 'muted'}`} title={detail}>
          {detail}
        </span>
      </div>
      <span class={`review-state tone-${tone}`}>{word}</span>
      <span class="review-actions">
        <FileActions file={file} />
      </span>
    </div>
  );
}

function FileActions({ file }: { file: ReviewFile }) {
  if (file.state === 'failed' || file.state === 'cancelled') {
    return (
      <button
        type="button"
        class="button button-small"
        disabled={file.busy}
        aria-label={`Retry ${file.name}`}
        onClick={() => void retry(file)}
      >
        Retry
      </button>
    );
  }
  if (file.state !== 'done' || !file.webViewLink || file.trashedAt) return null;
  const link = file.webViewLink;
  return (
    <>
      <a
        class="button button-small"
        href={link}
        target="_blank"
        rel="noopener noreferrer"
        aria-label={`Open ${file.name} in Drive`}
      >
        Open
      </a>
      <button
        type="button"
        class="button button-small button-quiet"
        aria-label={`Copy link to ${file.name}`}
        onClick={() => void copyLink(file.name, link)}
      >
        Copy link
      </button>
      <button
        type="button"
        class="button button-small button-quiet"
        disabled={file.busy}
        aria-label={`Move ${file.name} to Drive trash`}
        onClick={() => (confirming.value = file)}
      >
        Trash…
      </button>
    </>
  );
}

function TrashDialog({ file }: { file: ReviewFile }) {
  return (
    <ConfirmDialog
      title={`Move ${file.name} to Drive's trash?`}
      confirm="Move to Drive trash"
      danger
      onCancel={() => (confirming.value = null)}
      onConfirm={() => {
        confirming.value = null;
        void moveToTrash(file);
      }}
    >
      <p>
        It leaves <strong>{file.folder}</strong> and goes to the trash of your Google Drive, where
        you can restore it for 30 days. The file on this machine stays as it is.
      </p>
      <p>DriveUp notes it in the upload history.</p>
    </ConfirmDialog>
  );
}

function StatusBar() {
  const all = files.value;
  const trashed = all.filter((file) => file.trashedAt).length;
  return (
    <footer class="statusbar">
      <span role="status">
        {all.length ? `${formatCount(all.length)} ${all.length === 1 ? 'file' : 'files'}` : ''}
        {trashed ? ` · ${formatCount(trashed)} moved to Drive's trash` : ''}
      </span>
      <span class="statusbar-notice" role="status">
        {notice.value}
      </span>
    </footer>
  );
}

mountPage(<ReviewPage />);
startReview();
