import '../shared/theme.css';
import './activity.css';
import { signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { activityHeadline } from '../../ipc/common/activity-words.ts';
import {
  formatBytes,
  formatBytesOf,
  formatCount,
  formatRate,
  unfinished,
} from '../shared/format.ts';
import type { JobView } from '../shared/job-view.ts';
import { ConfirmDialog } from '../shared/confirm-dialog.tsx';
import { canCancel, canRetry, stateWords } from '../shared/job-words.ts';
import { liveProgress, queuePause } from '../shared/live-jobs.ts';
import { mountPage, PageFrame } from '../shared/page-frame.tsx';
import { PageLink } from '../shared/page-link.tsx';
import { StateBlock } from '../shared/state-block.tsx';
import { ProgressTrack } from '../shared/progress-bar.tsx';
import { StateIcon } from '../shared/state-icon.tsx';
import { Toolbar } from '../shared/toolbar.tsx';
import { VirtualList } from '../shared/virtual-list.tsx';
import type { ActivitySummary } from './activity-source.ts';
import {
  actionError,
  auth,
  cancelAll,
  cancelJob,
  loaded,
  loadJobs,
  MAX_JOBS,
  nameFilter,
  pauseAll,
  resumeAll,
  retryFailed,
  retryJob,
  startActivity,
  stateFilter,
  summary,
  truncated,
  visible,
  type StateFilter,
} from './activity-state.ts';

const ROW_HEIGHT = 40;

function ActivityPage() {
  const findBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // Ctrl/Cmd+F finds a job by name.
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        findBox.current?.focus();
        findBox.current?.select();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  return (
    <PageFrame page="activity" actions={<PauseToggle />} footer={<StatusBar />}>
      <Overview />
      <Attention />
      <Filters findBox={findBox} />
      <Jobs />
    </PageFrame>
  );
}

const cancellingAll = signal(false);

/** Every job waiting or uploading, stopped for good (a folder added by mistake), once confirmed. */
function CancelAllButton() {
  const counts = summary.value?.counts;
  const unfinishedJobs = counts ? counts.queued + counts.running + counts.retrying : 0;
  // Everything finished while the question was open: there is nothing left to ask about.
  useEffect(() => {
    if (!unfinishedJobs) cancellingAll.value = false;
  }, [unfinishedJobs]);
  if (!unfinishedJobs) return null;
  return (
    <>
      <button
        type="button"
        class="button button-small button-quiet overview-cancel"
        onClick={() => (cancellingAll.value = true)}
      >
        Cancel all…
      </button>
      {cancellingAll.value && (
        <ConfirmDialog
          title={`Cancel ${unfinishedJobs === 1 ? 'the upload' : `all ${formatCount(unfinishedJobs)} uploads`} not finished?`}
          confirm="Cancel uploads"
          dismiss="Keep them"
          danger
          onCancel={() => (cancellingAll.value = false)}
          onConfirm={() => {
            cancellingAll.value = false;
            void cancelAll();
          }}
        >
          <p>
            Every file waiting, waiting to retry or uploading now is cancelled and will not be
            uploaded. What is already in Drive stays there, and the files stay where they are.
          </p>
          <p>Each cancelled upload can be retried later from its row.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** One toggle: its name says what it does now. */
function PauseToggle() {
  const pausedByYou = queuePause.value?.kind === 'user';
  return (
    <button
      type="button"
      class="button"
      onClick={() => void (pausedByYou ? resumeAll() : pauseAll())}
    >
      {pausedByYou ? 'Resume all uploads' : 'Pause all uploads'}
    </button>
  );
}

function Overview() {
  const s = summary.value;
  const a = auth.value;
  const pause = queuePause.value;
  const headline = s && a ? activityHeadline(s, a) : 'Reading what DriveUp is doing…';
  return (
    <section class="overview" aria-label="Overall progress">
      <div class="overview-line">
        <p class="overview-headline" role="status">
          {headline}
        </p>
        {/* The headline names the pause; its reason, when it says more ("Disk full: free space
            on /data…", the note of whoever paused), follows it. */}
        {pause && pause.reason !== headline && <span class="overview-reason">{pause.reason}</span>}
        <CancelAllButton />
      </div>
      {s && s.run.filesTotal > 0 && <RunProgress summary={s} />}
      {actionError.value && (
        <p class="field-error" role="alert">
          {actionError.value}
        </p>
      )}
    </section>
  );
}

function RunProgress({ summary: s }: { summary: ActivitySummary }) {
  const { bytesDone, bytesTotal, filesDone, filesTotal } = s.run;
  const fraction = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : filesDone / filesTotal;
  const text = [
    `${formatCount(filesDone)} of ${formatCount(filesTotal)} files`,
    // The rate and the time left are the headline's (the tray's words), said once.
    bytesTotal > 0 ? formatBytesOf(bytesDone, bytesTotal) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return <ProgressTrack label="All uploads" fraction={fraction} text={text} />;
}

/** What needs a person: failures, sign-in, a full disk, MongoDB refusing. */
function Attention() {
  const items = summary.value?.attention ?? [];
  if (items.length === 0) return null;
  return (
    <ul class="attention" aria-label="Needs attention">
      {items.map((item) => (
        <li key={item.kind} class="attention-item">
          <StateIcon tone="danger" />
          <span class="attention-message">{item.message}</span>
          <AttentionAction kind={item.kind} />
        </li>
      ))}
    </ul>
  );
}

function AttentionAction({ kind }: { kind: ActivitySummary['attention'][number]['kind'] }) {
  switch (kind) {
    case 'failed':
      return (
        <>
          <button type="button" class="button button-small" onClick={() => void retryFailed()}>
            Retry failed
          </button>
          <button
            type="button"
            class="button button-small button-quiet"
            onClick={() => (stateFilter.value = 'failed')}
          >
            Show them
          </button>
        </>
      );
    case 'sign-in':
      return <PageLink page="signin">Sign in</PageLink>;
    case 'mongodb':
      return <PageLink page="settings">MongoDB settings</PageLink>;
    default:
      return null;
  }
}

const FILTERS: Array<[StateFilter, string]> = [
  ['all', 'All'],
  ['active', 'Waiting or uploading'],
  ['running', 'Uploading'],
  ['waiting', 'Queued'],
  ['retrying', 'Retrying'],
  ['failed', 'Failed'],
  ['done', 'Done'],
  ['cancelled', 'Cancelled'],
];

function Filters({ findBox }: { findBox: { current: HTMLInputElement | null } }) {
  const counts = summary.value?.counts;
  const countOf = (filter: StateFilter): number | null => {
    if (!counts) return null;
    if (filter === 'all') return Object.values(counts).reduce((a, b) => a + b, 0);
    if (filter === 'active') return counts.queued + counts.running + counts.retrying;
    if (filter === 'waiting') return counts.queued;
    return counts[filter];
  };
  return (
    <Toolbar label="Find and filter" search>
      <div class="field activity-find">
        <label for="activity-find">Find</label>
        <input
          id="activity-find"
          ref={findBox}
          class="input"
          type="search"
          aria-label="Find by name"
          placeholder="File name"
          value={nameFilter.value}
          onInput={(event) => (nameFilter.value = (event.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for="activity-state">State</label>
        <select
          id="activity-state"
          class="input"
          value={stateFilter.value}
          onChange={(event) =>
            (stateFilter.value = (event.currentTarget as HTMLSelectElement).value as StateFilter)
          }
        >
          {FILTERS.map(([value, label]) => {
            const n = countOf(value);
            return (
              <option key={value} value={value}>
                {n === null ? label : `${label} (${formatCount(n)})`}
              </option>
            );
          })}
        </select>
      </div>
    </Toolbar>
  );
}

function Jobs() {
  const l = loaded.value;
  if (l.state === 'loading') return <StateBlock kind="loading" title="Reading the queue…" />;
  if (l.state === 'error') {
    return (
      <StateBlock
        kind="error"
        title="The queue could not be read."
        detail={l.message}
        action={
          <button type="button" class="button" onClick={() => void loadJobs()}>
            Try again
          </button>
        }
      />
    );
  }
  const shown = visible.value;
  if (shown.length === 0) {
    const filtered = stateFilter.value !== 'all' || nameFilter.value.trim() !== '';
    return filtered ? (
      <StateBlock
        kind="empty"
        title="No uploads match."
        action={
          <button
            type="button"
            class="button"
            onClick={() => {
              stateFilter.value = 'all';
              nameFilter.value = '';
            }}
          >
            Show all
          </button>
        }
      />
    ) : (
      <StateBlock
        kind="empty"
        title="No uploads yet."
        detail="Drop files on the Upload window, add a watched folder in Settings, or run driveup add."
      />
    );
  }
  return (
    <VirtualList
      items={shown}
      rowHeight={ROW_HEIGHT}
      label="Uploads"
      itemKey={(job) => job.id}
      renderRow={(job) => <JobRow job={job} />}
    />
  );
}

function JobRow({ job }: { job: JobView }) {
  const pause = queuePause.value?.kind ?? null;
  const shown =
    job.state === 'queued' && !job.waitingFor && pause ? { ...job, waitingFor: pause } : job;
  const words = stateWords(shown);
  return (
    <div class="job-row">
      <StateIcon tone={words.tone} />
      <div class="job-main">
        <span class="job-name" title={job.path}>
          {job.name}
        </span>
        <span
          class={`job-detail ${words.tone === 'danger' ? 'tone-danger' : 'muted'}`}
          title={words.detail || job.folderPath}
        >
          {words.detail || job.folderPath}
        </span>
      </div>
      <span class={`job-state tone-${words.tone}`}>{words.word}</span>
      <JobProgress job={job} />
      <JobActions job={job} />
    </div>
  );
}

/** The bar of a running job: this component alone repaints on its progress events. */
function JobProgress({ job }: { job: JobView }) {
  const live = liveProgress(job.id).value;
  if (job.state !== 'running') {
    return <span class="job-size num muted">{formatBytes(job.size)}</span>;
  }
  const sent = Math.min(job.size, Math.max(job.sentBytes, live?.sentBytes ?? 0));
  const fraction = unfinished(job.size > 0 ? sent / job.size : 0);
  const text = [formatBytesOf(sent, job.size), live?.rate ? formatRate(live.rate) : '']
    .filter(Boolean)
    .join(' · ');
  return (
    <span class="job-progress">
      <span
        class="progress-track"
        role="progressbar"
        aria-label={`Uploading ${job.name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(fraction * 100)}
        aria-valuetext={text}
      >
        <span class="progress-fill" style={{ transform: `scaleX(${fraction})` }} />
      </span>
      <span class="job-progress-text num" aria-hidden="true">
        {text}
      </span>
    </span>
  );
}

function JobActions({ job }: { job: JobView }) {
  return (
    <span class="job-actions">
      {job.state === 'done' && job.webViewLink && (
        <a
          class="button button-small"
          href={job.webViewLink}
          target="_blank"
          rel="noopener noreferrer"
          aria-label={`Open ${job.name} in Drive`}
        >
          Open
        </a>
      )}
      {canRetry(job) && (
        <button
          type="button"
          class="button button-small"
          aria-label={`Retry ${job.name}`}
          onClick={() => void retryJob(job)}
        >
          Retry
        </button>
      )}
      {canCancel(job) && (
        <button
          type="button"
          class="button button-small button-quiet"
          aria-label={`Cancel ${job.name}`}
          onClick={() => void cancelJob(job)}
        >
          Cancel
        </button>
      )}
    </span>
  );
}

function StatusBar() {
  const shown = visible.value.length;
  return (
    <footer class="statusbar">
      <span role="status">
        {loaded.value.state === 'ready'
          ? `${formatCount(shown)} ${shown === 1 ? 'upload' : 'uploads'} shown`
          : ''}
      </span>
      {truncated.value && (
        <span>The newest {formatCount(MAX_JOBS)} are listed; History has every one.</span>
      )}
    </footer>
  );
}

mountPage(<ActivityPage />);
startActivity();
