import { signal } from '@preact/signals';
import { api, onAgentEvent, onResync } from '../shared/agent-client.ts';
import type { Settings } from '../shared/api-types.ts';
import { errorMessage } from '../shared/error-message.ts';
import { fieldErrors } from '../shared/field-errors.ts';
import {
  fieldOf,
  patchOf,
  valueAt,
  type SettingKey,
  type SettingKeyView,
} from './setting-fields.ts';

export type Loaded =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; settings: Settings; keys: SettingKeyView[] };

/** What became of the last change of one field. */
export type FieldStatus =
  | { state: 'idle' }
  | { state: 'saving' }
  | { state: 'saved'; note: string }
  | { state: 'refused'; message: string };

export const loaded = signal<Loaded>({ state: 'loading' });
/** What a person typed and has not been saved yet (or was refused), by key. */
export const drafts = signal<Partial<Record<string, string | boolean>>>({});
export const statuses = signal<Partial<Record<string, FieldStatus>>>({});

export async function loadSettings(): Promise<void> {
  try {
    const [settings, keys] = await Promise.all([
      api.settings.get.query(),
      api.settings.keys.query(),
    ]);
    loaded.value = { state: 'ready', settings, keys };
  } catch (error) {
    loaded.value = { state: 'error', message: errorMessage(error) };
  }
}

/** The value a field shows: the draft while there is one, else the setting as in effect. */
export function shownValue(key: string): string | boolean {
  const draft = drafts.value[key];
  if (draft !== undefined) return draft;
  const l = loaded.value;
  if (l.state !== 'ready') return '';
  const value = valueAt(l.settings, key);
  if (typeof value === 'boolean') return value;
  return value === null || value === undefined ? '' : String(value);
}

function setStatus(key: string, status: FieldStatus): void {
  statuses.value = { ...statuses.value, [key]: status };
}

const timers = new Map<string, ReturnType<typeof setTimeout>>();
const DEBOUNCE_MS = 600;

/**
 * A field changed: saved once typing pauses (text and numbers) or at once (choices, switches).
 * The agent checks the value; its own message shows beside the field when it refuses.
 */
export function edit(key: string, value: string | boolean, at: 'typing' | 'now'): void {
  drafts.value = { ...drafts.value, [key]: value };
  clearTimeout(timers.get(key));
  if (at === 'now') return void save(key);
  timers.set(
    key,
    setTimeout(() => void save(key), DEBOUNCE_MS),
  );
}

/** Saves a pending draft now (the field lost focus). */
export function flush(key: string): void {
  if (!timers.has(key)) return;
  clearTimeout(timers.get(key));
  void save(key);
}

async function save(key: string): Promise<void> {
  timers.delete(key);
  const draft = drafts.value[key];
  if (draft === undefined) return;
  setStatus(key, { state: 'saving' });
  try {
    const answer = await api.settings.update.mutate(changeOf(key, draft));
    // Typed on meanwhile: the newer draft has its own save coming.
    if (drafts.value[key] !== draft) return;
    const { [key]: _saved, ...rest } = drafts.value;
    drafts.value = rest;
    const l = loaded.value;
    if (l.state === 'ready') loaded.value = { ...l, settings: answer.settings };
    const change = answer.changes.find((c) => c.key === key);
    setStatus(key, { state: 'saved', note: savedNote(change) });
  } catch (error) {
    if (drafts.value[key] !== draft) return;
    const message = fieldErrors(error, 'set.')[key] ?? errorMessage(error);
    setStatus(key, { state: 'refused', message });
  }
}

type Change = Parameters<typeof api.settings.update.mutate>[0];

/** What a field's text means: a value, null (no limit) or back to the default. */
function changeOf(key: string, draft: string | boolean): Change {
  const control = fieldOf(key).control;
  if (typeof draft === 'boolean') return { set: patchOf(key, draft) } as Change;
  const text = draft.trim();
  if (text === '') {
    if (control.kind === 'number' && control.emptyIsNull)
      return { set: patchOf(key, null) } as Change;
    return { unset: [key as SettingKey] };
  }
  if (control.kind === 'number') {
    const n = Number(text);
    return { set: patchOf(key, Number.isFinite(n) ? n : text) } as Change;
  }
  return {
    set: patchOf(key, control.kind === 'secret' || control.kind === 'text' ? draft : text),
  } as Change;
}

function savedNote(
  change: { takesEffect: 'now' | 'next-start'; overriddenBy: string | null } | undefined,
): string {
  if (change?.overriddenBy) {
    return `Saved. ${change.overriddenBy} is set in DriveUp's environment and wins while it is.`;
  }
  if (change?.takesEffect === 'next-start') return 'Saved. Takes effect when DriveUp restarts.';
  return 'Saved.';
}

export function startSettings(): void {
  void loadSettings();
  onResync(() => void loadSettings());
  // Another window or the CLI changed something: show it, unless it is being edited here.
  onAgentEvent((event) => {
    if (event.type === 'settings.changed') void loadSettings();
  });
}
