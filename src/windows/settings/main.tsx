import '../shared/theme.css';
import './settings.css';
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { api, transport } from '../shared/agent-client.ts';
import {
  askForBrowserNotifications,
  browserNotifications,
} from '../shared/browser-notifications.ts';
import { errorMessage } from '../shared/error-message.ts';
import { mountPage, PageFrame } from '../shared/page-frame.tsx';
import { StateBlock } from '../shared/state-block.tsx';
import { fieldOf, GROUPS, otherKeys, type SettingKeyView } from './setting-fields.ts';
import {
  edit,
  flush,
  loaded,
  loadSettings,
  shownValue,
  startSettings,
  statuses,
} from './settings-state.ts';
import { WatchRules } from './watch-rules.tsx';
import { startWatchRules } from './watch-rules-state.ts';

function SettingsPage() {
  const l = loaded.value;
  return (
    <PageFrame page="settings">
      {l.state === 'loading' && <StateBlock kind="loading" title="Reading the settings…" />}
      {l.state === 'error' && (
        <StateBlock
          kind="error"
          title="The settings could not be read."
          detail={l.message}
          action={
            <button type="button" class="button" onClick={() => void loadSettings()}>
              Try again
            </button>
          }
        />
      )}
      {l.state === 'ready' && <Groups keys={l.keys} />}
    </PageFrame>
  );
}

function Groups({ keys }: { keys: SettingKeyView[] }) {
  const byKey = new Map(keys.map((view) => [view.key as string, view]));
  const groups = [...GROUPS, { id: 'other', title: 'Other', keys: otherKeys(keys) }].filter(
    (group) => group.keys.length > 0,
  );
  return (
    <div class="settings">
      <nav class="settings-nav" aria-label="Settings sections">
        <ul>
          {groups.map((group) => (
            <li key={group.id}>
              <a href={`#${group.id}`}>{group.title}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="settings-content">
        {groups.map((group) => (
          <section
            key={group.id}
            id={group.id}
            class="settings-group"
            aria-labelledby={`${group.id}-title`}
          >
            <h2 id={`${group.id}-title`}>{group.title}</h2>
            {group.id === 'watch' && <WatchRules />}
            {group.keys
              .map((key) => byKey.get(key))
              .filter((view): view is SettingKeyView => view !== undefined)
              .map((view) => (
                <SettingField key={view.key} view={view} />
              ))}
            {group.id === 'history' && <MongoCheck />}
            {group.id === 'notifications' && transport === 'http' && <BrowserNotifications />}
          </section>
        ))}
      </div>
    </div>
  );
}

function SettingField({ view }: { view: SettingKeyView }) {
  const { label, control } = fieldOf(view.key);
  const id = `setting-${view.key.replace(/\./g, '-')}`;
  const value = shownValue(view.key);
  const status = statuses.value[view.key] ?? { state: 'idle' };
  const [revealed, setRevealed] = useState(false);
  const noteId = `${id}-note`;
  const refused = status.state === 'refused';
  const common = {
    id,
    'aria-invalid': refused ? true : undefined,
    'aria-describedby': `${id}-help ${noteId}`,
  };
  const typed = (event: Event) =>
    edit(view.key, (event.currentTarget as HTMLInputElement).value, 'typing');

  if (control.kind === 'boolean') {
    return (
      <div class="setting setting-switch">
        <label class="setting-check">
          <input
            type="checkbox"
            {...common}
            checked={value === true}
            onChange={(event) =>
              edit(view.key, (event.currentTarget as HTMLInputElement).checked, 'now')
            }
          />{' '}
          {label}
        </label>
        <SettingNotes view={view} id={id} />
      </div>
    );
  }

  let input;
  if (control.kind === 'select') {
    input = (
      <select
        {...common}
        class="input"
        value={String(value)}
        onChange={(event) =>
          edit(view.key, (event.currentTarget as HTMLSelectElement).value, 'now')
        }
      >
        {control.options.map(([option, words]) => (
          <option key={option} value={option}>
            {words}
          </option>
        ))}
      </select>
    );
  } else if (control.kind === 'number') {
    input = (
      <span class="setting-number">
        <input
          {...common}
          class="input num"
          type="number"
          min={control.min}
          step={control.step ?? 'any'}
          value={String(value)}
          onInput={typed}
          onBlur={() => flush(view.key)}
        />
        <span class="muted">{control.unit}</span>
      </span>
    );
  } else {
    const secret = control.kind === 'secret';
    input = (
      <span class="setting-text">
        <input
          {...common}
          class={`input${secret || (control.kind === 'text' && control.mono) ? ' mono' : ''}`}
          // Preact's types take `password` and `text` only as two separate kinds of input.
          type={(secret && !revealed ? 'password' : 'text') as 'text'}
          autoComplete="off"
          spellcheck={false}
          placeholder={control.kind === 'text' ? control.placeholder : undefined}
          value={String(value)}
          onInput={typed}
          onBlur={() => flush(view.key)}
        />
        {secret && (
          <button
            type="button"
            class="button"
            aria-pressed={revealed}
            aria-label={`Show ${label}`}
            onClick={() => setRevealed(!revealed)}
          >
            {revealed ? 'Hide' : 'Show'}
          </button>
        )}
      </span>
    );
  }
  return (
    <div class="setting">
      <label for={id} class="setting-label">
        {label}
      </label>
      {input}
      <SettingNotes view={view} id={id} />
    </div>
  );
}

/** Its meaning, when it applies, what overrides it, and what became of the last change. */
function SettingNotes({ view, id }: { view: SettingKeyView; id: string }) {
  const status = statuses.value[view.key] ?? { state: 'idle' };
  return (
    <>
      <p id={`${id}-help`} class="field-hint">
        {view.description}
        {!view.appliesLive && <span class="tag setting-restart">Takes effect after restart</span>}
        {view.overriddenBy && (
          <span class="setting-override">
            {' '}
            Set by <code>{view.overriddenBy}</code> in DriveUp's environment, which wins while it is
            set.
          </span>
        )}
      </p>
      <p
        id={`${id}-note`}
        class={status.state === 'refused' ? 'field-error' : 'field-hint setting-saved'}
        role={status.state === 'refused' ? 'alert' : 'status'}
      >
        {status.state === 'refused' && status.message}
        {status.state === 'saving' && 'Saving…'}
        {status.state === 'saved' && status.note}
      </p>
    </>
  );
}

type Check =
  { state: 'idle' } | { state: 'checking' } | { state: 'done'; ok: boolean; text: string };
const check = signal<Check>({ state: 'idle' });

/** "Test connection": one round trip to the MongoDB the fields name, as typed. */
function MongoCheck() {
  const uri = String(shownValue('history.mongodbUri')).trim();
  const database = String(shownValue('history.mongodbDatabase')).trim() || 'driveup';
  const c = check.value;
  const run = async () => {
    check.value = { state: 'checking' };
    try {
      const answer = await api.history.testConnection.mutate({ uri, database });
      check.value = answer.ok
        ? {
            state: 'done',
            ok: true,
            text: `Connected: MongoDB answered in ${answer.roundTripMs} ms.`,
          }
        : { state: 'done', ok: false, text: answer.reason };
    } catch (error) {
      check.value = { state: 'done', ok: false, text: errorMessage(error) };
    }
  };
  return (
    <div class="setting mongo-check">
      <button
        type="button"
        class="button"
        disabled={!uri || c.state === 'checking'}
        onClick={() => void run()}
      >
        {c.state === 'checking' ? 'Testing…' : 'Test connection'}
      </button>
      <p class={c.state === 'done' && !c.ok ? 'field-error' : 'field-hint'} role="status">
        {!uri && 'Without a connection string the history stays on this machine.'}
        {uri && c.state === 'done' && c.text}
      </p>
    </div>
  );
}

mountPage(<SettingsPage />);
startSettings();
startWatchRules();

/** Web mode: whether this browser shows the batches' notifications, and the way to allow it. */
function BrowserNotifications() {
  switch (browserNotifications.value) {
    case 'unsupported':
      return <p class="field-hint">This browser cannot show notifications.</p>;
    case 'denied':
      return (
        <p class="field-hint">
          This browser blocks DriveUp's notifications: allow them in its settings for this site.
        </p>
      );
    case 'granted':
      return (
        <p class="field-hint">This browser shows them; clicking one opens its uploads in Review.</p>
      );
    default:
      return (
        <div class="setting">
          <button type="button" class="button" onClick={() => void askForBrowserNotifications()}>
            Show notifications in this browser
          </button>
        </div>
      );
  }
}
