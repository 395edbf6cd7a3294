import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/server/app-router.ts';

type Outputs = inferRouterOutputs<AppRouter>;
export type SettingKeyView = Outputs['settings']['keys'][number];
export type SettingKey = SettingKeyView['key'];

/**
 * How a setting is edited. Empty means "back to the default" (`unset`) unless `emptyIsNull`
 * (a limit with no value: bandwidth).
 */
export type Control =
  | { kind: 'text'; placeholder?: string; mono?: boolean }
  | { kind: 'secret' }
  | { kind: 'number'; unit: string; min?: number; step?: number; emptyIsNull?: boolean }
  | { kind: 'select'; options: Array<[value: string, label: string]> }
  | { kind: 'boolean' };

export interface FieldInfo {
  label: string;
  control: Control;
}

/**
 * Labels and controls, page-side (the API gives each key's meaning, timing and secrecy; how to
 * edit it is the page's business). A key not listed here still shows, as a text field under
 * "Other", so a setting added to the engine is never out of reach.
 */
export const FIELDS: Partial<Record<SettingKey, FieldInfo>> = {
  machineName: { label: 'Machine name', control: { kind: 'text' } },
  logLevel: {
    label: 'Log detail',
    control: {
      kind: 'select',
      options: [
        ['fatal', 'Fatal errors only'],
        ['error', 'Errors'],
        ['warn', 'Warnings'],
        ['info', 'Information (default)'],
        ['debug', 'Debugging'],
        ['trace', 'Everything'],
      ],
    },
  },
  'uploads.defaultFolder': {
    label: 'Default Drive folder',
    control: { kind: 'text', placeholder: 'DriveUp' },
  },
  'uploads.conflictPolicy': {
    label: 'When a file of that name is already there',
    control: {
      kind: 'select',
      options: [
        ['keep-both', 'Keep both'],
        ['skip-identical', 'Skip it if identical'],
        ['new-version', 'Upload as a new version'],
      ],
    },
  },
  'uploads.concurrency': {
    label: 'Uploads at once',
    control: { kind: 'number', unit: 'files', min: 1, step: 1 },
  },
  'uploads.bandwidthLimitBytesPerSecond': {
    label: 'Bandwidth limit',
    control: {
      kind: 'number',
      unit: 'bytes per second; empty for none',
      min: 1024,
      emptyIsNull: true,
    },
  },
  'uploads.chunkSizeBytes': {
    label: 'Chunk size of large uploads',
    control: { kind: 'number', unit: 'bytes (a multiple of 262144)', min: 262144, step: 262144 },
  },
  'uploads.retryMaxDelaySeconds': {
    label: 'Longest wait between retries',
    control: { kind: 'number', unit: 'seconds', min: 1, step: 1 },
  },
  'uploads.retryWindowHours': {
    label: 'Keep retrying for',
    control: { kind: 'number', unit: 'hours', min: 1 },
  },
  'watch.rescanIntervalSeconds': {
    label: 'Rescan watched folders every',
    control: { kind: 'number', unit: 'seconds', min: 10, step: 1 },
  },
  'history.mongodbUri': {
    label: 'MongoDB connection string',
    control: { kind: 'secret' },
  },
  'history.mongodbDatabase': {
    label: 'MongoDB database',
    control: { kind: 'text', placeholder: 'driveup', mono: true },
  },
  'google.clientId': { label: 'OAuth client ID', control: { kind: 'text', mono: true } },
  'google.clientSecret': { label: 'OAuth client secret', control: { kind: 'secret' } },
  'google.scope': {
    label: 'Google Drive access',
    control: {
      kind: 'select',
      options: [
        ['drive.file', 'Only files DriveUp creates (recommended)'],
        ['drive', 'All of your Drive'],
      ],
    },
  },
  'google.endpoint': {
    label: 'Google endpoint (tests and demos)',
    control: { kind: 'text', placeholder: 'https://…', mono: true },
  },
  'notifications.enabled': {
    label: 'Notify when uploads finish (failures are always notified)',
    control: { kind: 'boolean' },
  },
  'notifications.batchSeconds': {
    label: 'Gather finished uploads for',
    control: { kind: 'number', unit: 'seconds', min: 0, step: 1 },
  },
  'desktop.startAtLogin': { label: 'Start DriveUp when you log in', control: { kind: 'boolean' } },
};

export interface Group {
  id: string;
  title: string;
  /** Keys shown in this group, in this order; a group may add its own parts (watch rules). */
  keys: SettingKey[];
}

export const GROUPS: Group[] = [
  { id: 'general', title: 'General', keys: ['machineName', 'logLevel'] },
  {
    id: 'uploads',
    title: 'Uploads',
    keys: [
      'uploads.defaultFolder',
      'uploads.conflictPolicy',
      'uploads.concurrency',
      'uploads.bandwidthLimitBytesPerSecond',
      'uploads.chunkSizeBytes',
      'uploads.retryMaxDelaySeconds',
      'uploads.retryWindowHours',
    ],
  },
  { id: 'watch', title: 'Watched folders', keys: ['watch.rescanIntervalSeconds'] },
  {
    id: 'history',
    title: 'Shared history (MongoDB)',
    keys: ['history.mongodbUri', 'history.mongodbDatabase'],
  },
  {
    id: 'google',
    title: 'Google account',
    keys: ['google.clientId', 'google.clientSecret', 'google.scope', 'google.endpoint'],
  },
  {
    id: 'notifications',
    title: 'Notifications',
    keys: ['notifications.enabled', 'notifications.batchSeconds'],
  },
  { id: 'desktop', title: 'Desktop app', keys: ['desktop.startAtLogin'] },
];

export function fieldOf(key: string): FieldInfo {
  return FIELDS[key as SettingKey] ?? { label: key, control: { kind: 'text', mono: true } };
}

/** Keys the API has that no group names: shown under "Other". */
export function otherKeys(keys: readonly SettingKeyView[]): SettingKey[] {
  const grouped = new Set<string>(GROUPS.flatMap((group) => group.keys));
  return keys.map((view) => view.key).filter((key) => !grouped.has(key));
}

/** The value of a dotted key in the settings object. */
export function valueAt(settings: object, key: string): unknown {
  const [section, field] = key.split('.') as [string, string | undefined];
  const top = (settings as Record<string, unknown>)[section];
  if (field === undefined) return top;
  return top !== null && typeof top === 'object'
    ? (top as Record<string, unknown>)[field]
    : undefined;
}

/** `{ uploads: { concurrency: 4 } }` for `uploads.concurrency` = 4. */
export function patchOf(key: string, value: unknown): Record<string, unknown> {
  const [section, field] = key.split('.') as [string, string | undefined];
  return field === undefined ? { [section]: value } : { [section]: { [field]: value } };
}
