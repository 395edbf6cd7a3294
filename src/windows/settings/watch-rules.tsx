import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { desktop } from '../shared/bridge.ts';
import { ConfirmDialog } from '../shared/confirm-dialog.tsx';
import { formatCount } from '../shared/format.ts';
import { StateBlock } from '../shared/state-block.tsx';
import {
  draftOf,
  loadRules,
  NEW_RULE,
  pauseRule,
  previewOf,
  removeRule,
  resumeRule,
  rules,
  rulesError,
  saveRule,
  type RuleDraft,
  type RuleStatus,
} from './watch-rules-state.ts';

/** The rule being added (id null) or edited, while its form is open. */
const editing = signal<{ id: string | null; draft: RuleDraft } | null>(null);
const removing = signal<RuleStatus | null>(null);

export function WatchRules() {
  const r = rules.value;
  return (
    <div class="rules">
      <div class="rules-head">
        <h3>Folders DriveUp watches</h3>
        <button
          type="button"
          class="button"
          onClick={() => (editing.value = { id: null, draft: NEW_RULE })}
        >
          Add a folder…
        </button>
      </div>
      {rulesError.value && (
        <p class="field-error" role="alert">
          {rulesError.value}
        </p>
      )}
      {r.state === 'loading' && <StateBlock kind="loading" title="Reading the watched folders…" />}
      {r.state === 'error' && (
        <StateBlock
          kind="error"
          title="The watched folders could not be read."
          detail={r.message}
          action={
            <button type="button" class="button" onClick={() => void loadRules()}>
              Try again
            </button>
          }
        />
      )}
      {r.state === 'ready' && r.rules.length === 0 && (
        <p class="muted rules-empty">
          No folder is watched. Add one: new files in it are uploaded as soon as they stop changing.
        </p>
      )}
      {r.state === 'ready' && r.rules.length > 0 && (
        <ul class="rules-list" aria-label="Watched folders">
          {r.rules.map((status) => (
            <RuleRow key={status.rule.id} status={status} />
          ))}
        </ul>
      )}
      {editing.value && <RuleForm key={editing.value.id ?? 'new'} {...editing.value} />}
      {removing.value && <RemoveDialog status={removing.value} />}
    </div>
  );
}

const STATE_WORDS: Record<RuleStatus['state'], string> = {
  watching: 'Watching',
  scanning: 'Scanning',
  'folder-missing': 'Folder missing',
  error: 'Not watching',
  paused: 'Paused',
};

function RuleRow({ status }: { status: RuleStatus }) {
  const { rule, state, reason, counts } = status;
  const troubled = state === 'error' || state === 'folder-missing';
  const figures = [
    `${formatCount(counts.uploaded)} uploaded`,
    counts.queued + counts.pending ? `${formatCount(counts.queued + counts.pending)} waiting` : '',
    counts.retrying ? `${formatCount(counts.retrying)} retrying` : '',
    counts.failed ? `${formatCount(counts.failed)} failed` : '',
    counts.cancelled ? `${formatCount(counts.cancelled)} cancelled` : '',
    counts.skipped ? `${formatCount(counts.skipped)} left out` : '',
  ].filter(Boolean);
  return (
    <li class="rule">
      <div class="rule-main">
        <p class="rule-folder" title={rule.folder}>
          {rule.folder}
        </p>
        <p class="muted rule-to" title={rule.destination}>
          to {rule.destination}
          {rule.include.length ? ` · only ${rule.include.join(', ')}` : ''}
        </p>
        <p class="rule-figures">
          <span class={`tag${troubled ? ' tag-danger' : state === 'paused' ? ' tag-warning' : ''}`}>
            {STATE_WORDS[state]}
          </span>{' '}
          <span class={troubled ? 'tone-danger' : 'muted'}>
            {troubled && reason ? reason : figures.join(' · ')}
          </span>
        </p>
      </div>
      <div class="rule-actions">
        <button
          type="button"
          class="button button-small"
          aria-label={`Edit the rule for ${rule.folder}`}
          onClick={() => (editing.value = { id: rule.id, draft: draftOf(rule) })}
        >
          Edit
        </button>
        <button
          type="button"
          class="button button-small"
          aria-label={`${rule.enabled ? 'Pause' : 'Resume'} watching ${rule.folder}`}
          onClick={() => void (rule.enabled ? pauseRule(rule.id) : resumeRule(rule.id))}
        >
          {rule.enabled ? 'Pause' : 'Resume'}
        </button>
        <button
          type="button"
          class="button button-small button-quiet"
          aria-label={`Stop watching ${rule.folder}`}
          onClick={() => (removing.value = status)}
        >
          Remove
        </button>
      </div>
    </li>
  );
}

function RemoveDialog({ status }: { status: RuleStatus }) {
  const { queued, retrying } = status.counts;
  const unfinished = queued + retrying;
  return (
    <ConfirmDialog
      title={`Stop watching ${status.rule.folder}?`}
      confirm="Stop watching"
      danger
      onCancel={() => (removing.value = null)}
      onConfirm={() => {
        removing.value = null;
        void removeRule(status.rule.id);
      }}
    >
      <p>
        Nothing more from this folder is uploaded: the files it found that are not uploaded yet
        {unfinished ? ` (${formatCount(unfinished)} now)` : ''} are cancelled, and so is an upload
        under way. Nothing is deleted: what was uploaded stays in Drive, and the files stay where
        they are.
      </p>
      <p>You can add the folder again later.</p>
    </ConfirmDialog>
  );
}

type Errors = Partial<Record<keyof RuleDraft, string>>;

/** The sample the preview shows: a file one folder down, modified now. */
const SAMPLE_DIR = 'plate-3';
const SAMPLE_FILE = 'scan-001.tif';

function RuleForm({ id, draft: initial }: { id: string | null; draft: RuleDraft }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState('');
  const [saving, setSaving] = useState(false);
  const preview = usePreview(draft.destination);

  useEffect(() => {
    const element = dialog.current!;
    const before = document.activeElement as HTMLElement | null;
    element.showModal();
    return () => {
      element.close();
      before?.focus();
    };
  }, []);

  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    setErrors((current) => ({ ...current, [key]: undefined }));
  };
  const text = (key: keyof RuleDraft) => (event: Event) =>
    set(key, (event.currentTarget as HTMLInputElement).value as never);
  const check = (key: keyof RuleDraft) => (event: Event) =>
    set(key, (event.currentTarget as HTMLInputElement).checked as never);
  const close = () => (editing.value = null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    const outcome = await saveRule(draft, id);
    setSaving(false);
    if (outcome.ok) return close();
    setErrors(outcome.fields);
    setProblem(Object.keys(outcome.fields).length ? '' : outcome.message);
  };

  const chooseFolder = async (key: 'folder' | 'moveTo') => {
    const folder = await desktop?.pickFolder();
    if (folder) set(key, folder);
  };

  const field = (key: keyof RuleDraft, label: string, hint?: string, mono = true) => (
    <div class="field">
      <label for={`rule-${key}`}>{label}</label>
      <div class="rule-input">
        <input
          id={`rule-${key}`}
          class={`input${mono ? ' mono' : ''}`}
          value={draft[key] as string}
          aria-invalid={errors[key] ? true : undefined}
          aria-describedby={`rule-${key}-note`}
          spellcheck={false}
          onInput={text(key)}
        />
        {desktop && (key === 'folder' || key === 'moveTo') && (
          <button type="button" class="button" onClick={() => void chooseFolder(key)}>
            Choose…
          </button>
        )}
      </div>
      <p id={`rule-${key}-note`} class={errors[key] ? 'field-error' : 'field-hint'}>
        {errors[key] ?? hint ?? ''}
      </p>
    </div>
  );

  return (
    <dialog
      ref={dialog}
      class="dialog rule-dialog"
      aria-labelledby="rule-title"
      onCancel={(event) => {
        event.preventDefault();
        close();
      }}
    >
      <form onSubmit={(event) => void submit(event)} noValidate>
        <h2 id="rule-title">{id ? 'Change the watched folder' : 'Watch a folder'}</h2>
        {field(
          'folder',
          'Folder on this machine',
          desktop ? undefined : 'The full path, as on the machine DriveUp runs on.',
        )}
        <div class="field">
          <label for="rule-destination">Destination in Google Drive</label>
          <input
            id="rule-destination"
            class="input mono"
            value={draft.destination}
            aria-invalid={errors.destination || preview.problem ? true : undefined}
            aria-describedby="rule-destination-note"
            spellcheck={false}
            onInput={text('destination')}
          />
          <p
            id="rule-destination-note"
            class={errors.destination || preview.problem ? 'field-error' : 'field-hint'}
          >
            {errors.destination ?? preview.problem ?? (
              <>
                Placeholders: <code>{'{machine}'}</code> <code>{'{relativeDir}'}</code>{' '}
                <code>{'{yyyy}'}</code> <code>{'{mm}'}</code> <code>{'{dd}'}</code> (the date the
                file was modified).
              </>
            )}
          </p>
          <p class="rule-preview" aria-live="polite">
            <span class="muted">
              {SAMPLE_DIR}/{SAMPLE_FILE}, modified today, would go to{' '}
            </span>
            <strong>
              {preview.folderPath ? `My Drive › ${preview.folderPath.split('/').join(' › ')}` : '…'}
            </strong>
          </p>
        </div>
        <div class="rule-pair">
          {field(
            'include',
            'Only files matching',
            'Patterns such as *.tif, *.csv; empty for every file.',
          )}
          {field('exclude', 'Never files matching', 'Patterns such as *.tmp, cache/**')}
        </div>
        <div class="rule-pair">
          <div class="field">
            <label for="rule-stabilitySeconds">Upload once unchanged for</label>
            <div class="rule-input">
              <input
                id="rule-stabilitySeconds"
                class="input rule-seconds"
                type="number"
                min={0}
                step={1}
                value={draft.stabilitySeconds}
                aria-invalid={errors.stabilitySeconds ? true : undefined}
                aria-describedby="rule-stabilitySeconds-note"
                onInput={text('stabilitySeconds')}
              />
              <span class="muted">seconds</span>
            </div>
            <p
              id="rule-stabilitySeconds-note"
              class={errors.stabilitySeconds ? 'field-error' : 'field-hint'}
            >
              {errors.stabilitySeconds ?? 'A file still being written is not uploaded half done.'}
            </p>
          </div>
          <div class="field">
            <label for="rule-conflictPolicy">When a file of that name is in Drive</label>
            <select
              id="rule-conflictPolicy"
              class="input"
              value={draft.conflictPolicy}
              onChange={text('conflictPolicy')}
            >
              <option value="keep-both">Keep both</option>
              <option value="skip-identical">Skip it if identical</option>
              <option value="new-version">Upload as a new version</option>
            </select>
          </div>
        </div>
        <div class="field">
          <label for="rule-afterUpload">After a file is uploaded</label>
          <select
            id="rule-afterUpload"
            class="input"
            value={draft.afterUpload}
            onChange={text('afterUpload')}
          >
            <option value="keep">Leave it where it is</option>
            <option value="move">Move it to another folder</option>
            <option value="delete">Delete it from this machine</option>
          </select>
          {draft.afterUpload === 'delete' && (
            <p class="field-hint tone-warning">
              Deleted only once Drive has confirmed the upload byte for byte. It cannot be undone
              here; the copy in Drive stays.
            </p>
          )}
        </div>
        {draft.afterUpload === 'move' && field('moveTo', 'Move uploaded files to')}
        <fieldset class="rule-switches">
          <legend class="field-label">Also</legend>
          <label>
            <input type="checkbox" checked={draft.recursive} onChange={check('recursive')} /> Watch
            subfolders too
          </label>
          <label>
            <input type="checkbox" checked={draft.ignoreHidden} onChange={check('ignoreHidden')} />{' '}
            Skip hidden files (names starting with a dot)
          </label>
          <label>
            <input
              type="checkbox"
              checked={draft.ignoreTemporary}
              onChange={check('ignoreTemporary')}
            />{' '}
            Skip temporary files (*.part, ~$*, .DS_Store…)
          </label>
          <label>
            <input
              type="checkbox"
              checked={draft.followSymlinks}
              onChange={check('followSymlinks')}
            />{' '}
            Follow symbolic links to files inside the folder
          </label>
        </fieldset>
        {problem && (
          <p class="field-error" role="alert">
            {problem}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={saving}>
            {id ? 'Save changes' : 'Watch this folder'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The agent's preview of a template, asked once typing pauses. */
function usePreview(template: string): { folderPath: string | null; problem: string | null } {
  const [preview, setPreview] = useState<{ folderPath: string | null; problem: string | null }>({
    folderPath: null,
    problem: null,
  });
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      previewOf(template, SAMPLE_DIR).then(
        (answer) => current && setPreview(answer),
        () => undefined,
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [template]);
  return preview;
}
