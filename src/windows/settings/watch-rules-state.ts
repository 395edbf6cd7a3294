import { signal } from '@preact/signals';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/server/app-router.ts';
import { api, onAgentEvent, onResync } from '../shared/agent-client.ts';
import { errorMessage } from '../shared/error-message.ts';
import { fieldErrors } from '../shared/field-errors.ts';

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;
export type RuleStatus = Outputs['watch']['list'][number];
export type Rule = RuleStatus['rule'];
type RuleInput = Inputs['watch']['add'];

export type RulesLoaded =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; rules: RuleStatus[] };

export const rules = signal<RulesLoaded>({ state: 'loading' });
export const rulesError = signal('');

export async function loadRules(): Promise<void> {
  try {
    rules.value = { state: 'ready', rules: await api.watch.list.query() };
  } catch (error) {
    rules.value = { state: 'error', message: errorMessage(error) };
  }
}

/** A rule as its form edits it: lists as text, times in seconds. */
export interface RuleDraft {
  folder: string;
  destination: string;
  include: string;
  exclude: string;
  recursive: boolean;
  stabilitySeconds: string;
  conflictPolicy: Rule['conflictPolicy'];
  afterUpload: Rule['afterUpload']['action'];
  moveTo: string;
  ignoreHidden: boolean;
  ignoreTemporary: boolean;
  followSymlinks: boolean;
}

export const NEW_RULE: RuleDraft = {
  folder: '',
  destination: 'DriveUp/{machine}/{relativeDir}',
  include: '',
  exclude: '',
  recursive: true,
  stabilitySeconds: '2',
  conflictPolicy: 'keep-both',
  afterUpload: 'keep',
  moveTo: '',
  ignoreHidden: true,
  ignoreTemporary: true,
  followSymlinks: false,
};

export function draftOf(rule: Rule): RuleDraft {
  return {
    folder: rule.folder,
    destination: rule.destination,
    include: rule.include.join(', '),
    exclude: rule.exclude.join(', '),
    recursive: rule.recursive,
    stabilitySeconds: String(rule.stabilityWindowMs / 1000),
    conflictPolicy: rule.conflictPolicy,
    afterUpload: rule.afterUpload.action,
    moveTo: rule.afterUpload.action === 'move' ? rule.afterUpload.folder : '',
    ignoreHidden: rule.ignoreHidden,
    ignoreTemporary: rule.ignoreTemporary,
    followSymlinks: rule.followSymlinks,
  };
}

/** Patterns as typed: separated by commas or new lines. */
function patterns(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((pattern) => pattern.trim())
    .filter(Boolean);
}

function inputOf(draft: RuleDraft): Omit<RuleInput, 'allowMissing'> {
  const seconds = Number(draft.stabilitySeconds);
  return {
    folder: draft.folder.trim(),
    destination: draft.destination,
    include: patterns(draft.include),
    exclude: patterns(draft.exclude),
    recursive: draft.recursive,
    // Sent as typed when it is no number, so the agent's own message says what is wrong.
    stabilityWindowMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : (NaN as number),
    conflictPolicy: draft.conflictPolicy,
    afterUpload:
      draft.afterUpload === 'move'
        ? { action: 'move', folder: draft.moveTo.trim() }
        : { action: draft.afterUpload },
    ignoreHidden: draft.ignoreHidden,
    ignoreTemporary: draft.ignoreTemporary,
    followSymlinks: draft.followSymlinks,
  };
}

/** The form's field for an API field name (`stabilityWindowMs` → `stabilitySeconds`). */
const FORM_FIELD: Record<string, keyof RuleDraft> = {
  stabilityWindowMs: 'stabilitySeconds',
  'afterUpload.folder': 'moveTo',
  afterUpload: 'afterUpload',
};

export type SaveOutcome =
  { ok: true } | { ok: false; fields: Partial<Record<keyof RuleDraft, string>>; message: string };

/** Adds the rule, or changes rule `id`; the agent's refusals come back per field. */
export async function saveRule(draft: RuleDraft, id: string | null): Promise<SaveOutcome> {
  try {
    const input = inputOf(draft);
    if (id) await api.watch.update.mutate({ id, patch: input });
    else await api.watch.add.mutate(input);
    await loadRules();
    return { ok: true };
  } catch (error) {
    const byApiField = fieldErrors(error, id ? 'patch.' : '');
    const fields: Partial<Record<keyof RuleDraft, string>> = {};
    for (const [field, message] of Object.entries(byApiField)) {
      const name = FORM_FIELD[field] ?? (field.split('.')[0] as keyof RuleDraft);
      fields[name] ??= message;
    }
    return { ok: false, fields, message: errorMessage(error) };
  }
}

async function act(action: () => Promise<unknown>): Promise<void> {
  rulesError.value = '';
  try {
    await action();
  } catch (error) {
    rulesError.value = errorMessage(error);
  }
  await loadRules();
}

export const pauseRule = (id: string) => act(() => api.watch.pause.mutate({ id }));
export const resumeRule = (id: string) => act(() => api.watch.resume.mutate({ id }));
export const removeRule = (id: string) => act(() => api.watch.remove.mutate({ id }));

/** Where a sample file would go under a template; the agent expands it as the watcher will. */
export async function previewOf(
  template: string,
  relativeDir: string,
): Promise<{ folderPath: string | null; problem: string | null }> {
  return api.watch.previewDestination.query({ template, relativeDir });
}

let timer: ReturnType<typeof setTimeout> | undefined;
function refreshSoon(): void {
  timer ??= setTimeout(() => {
    timer = undefined;
    void loadRules();
  }, 1000);
}

export function startWatchRules(): void {
  void loadRules();
  onResync(() => void loadRules());
  onAgentEvent((event) => {
    if (event.type.startsWith('watch.')) return refreshSoon();
    // A watched file finished: the rule's counts moved.
    const job = (event.data as { job?: { ruleId?: string | null } } | null)?.job;
    if (event.type.startsWith('job.') && job?.ruleId) refreshSoon();
  });
}
