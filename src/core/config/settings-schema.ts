import { hostname } from 'node:os';
import { z } from 'zod';
import { folderPathProblem } from './folder-path.ts';
import { mongoUriProblem } from './mongo-uri.ts';

const KIB_256 = 256 * 1024;

export const conflictPolicySchema = z
  .enum(['keep-both', 'skip-identical', 'new-version'])
  .describe(
    'What to do when a file of the same name is already in the destination folder: keep both, skip when the content is identical, or upload as a new version of that file.',
  );
export type ConflictPolicy = z.infer<typeof conflictPolicySchema>;

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
export type LogLevel = z.infer<typeof logLevelSchema>;

const googleSchema = z
  .object({
    clientId: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('OAuth client id of a "Desktop app" client.'),
    clientSecret: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('OAuth client secret of that client.'),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('One origin replacing every Google URL (OAuth and Drive); for tests and the demo.'),
    scope: z
      .enum(['drive.file', 'drive'])
      .default('drive.file')
      .describe(
        '"drive.file" lets DriveUp see only files it created (recommended). "drive" is needed only to upload into folders DriveUp did not create, and grants access to all of your Drive.',
      ),
  })
  .strict();

const uploadsSchema = z
  .object({
    concurrency: z.int().min(1).max(16).default(3).describe('Uploads running at once.'),
    bandwidthLimitBytesPerSecond: z
      .int()
      .min(1024)
      .nullable()
      .default(null)
      .describe('Upload bandwidth cap in bytes per second; null for none.'),
    chunkSizeBytes: z
      .int()
      .min(KIB_256)
      .max(1024 * 1024 * 1024)
      .refine((n) => n % KIB_256 === 0, 'must be a multiple of 256 KiB (262144 bytes)')
      // 64 MiB, not rclone's 8 (rclone holds a chunk in memory; DriveUp streams it from the file,
      // so the size costs no memory). Each chunk ends in a round trip with the socket drained and
      // refilled: 32 of them made a 256 MiB upload ~20% slower than one streamed request. A broken
      // chunk resumes where the session says it stopped, not at the chunk's start.
      .default(64 * 1024 * 1024)
      .describe('Resumable upload chunk size.'),
    defaultFolder: z
      .string()
      .min(1)
      .max(1000)
      .superRefine((path, ctx) => {
        const problem = folderPathProblem(path);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('DriveUp')
      .describe('Drive folder path used when a file is added without a destination.'),
    conflictPolicy: conflictPolicySchema.default('keep-both'),
    retryMaxDelaySeconds: z
      .int()
      .min(1)
      .max(24 * 3600)
      .default(300)
      .describe('Longest wait between two attempts of an upload that failed for a passing reason.'),
    retryWindowHours: z
      .number()
      .min(1)
      .max(24 * 30)
      .default(24)
      .describe(
        'How long an upload keeps being retried through passing failures (outages, rate limits) before it fails.',
      ),
  })
  .strict();

const historySchema = z
  .object({
    mongodbUri: z
      .string()
      .max(4096)
      .superRefine((uri, ctx) => {
        if (uri.length > 4096) return;
        // The driver's own parser decides, since it is what reads the string later.
        const problem = mongoUriProblem(uri);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            message: `not a usable MongoDB connection string: ${problem}`,
          });
      })
      .optional()
      .describe('MongoDB connection string for the shared history; local history only when unset.'),
    // MongoDB's own limit on a database name.
    mongodbDatabase: z.string().min(1).max(63).default('driveup'),
  })
  .strict();

const watchSchema = z
  .object({
    rescanIntervalSeconds: z
      .int()
      .min(10)
      .default(300)
      .describe('How often every watched folder is rescanned to catch events the OS dropped.'),
  })
  .strict();

const notificationsSchema = z
  .object({
    enabled: z.boolean().default(true),
    batchSeconds: z
      .int()
      .min(0)
      .max(3600)
      .default(10)
      .describe('Uploads finished within this window are announced in one notification.'),
  })
  .strict();

const webSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Serve the windows to a browser on this machine (127.0.0.1 only; `driveup open` gives the address).',
      ),
    port: z
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .describe('Port of web mode on 127.0.0.1; 0: the one of the last run when free, else any.'),
  })
  .strict();

const desktopSchema = z
  .object({
    startAtLogin: z
      .boolean()
      .default(false)
      .describe('Start the desktop app when you log in (it then opens no window).'),
  })
  .strict();

export const settingsSchema = z
  .object({
    machineName: z
      .string()
      .min(1)
      .max(100)
      .default(() => hostname())
      .describe('How this machine is named in the shared history and in destination templates.'),
    logLevel: logLevelSchema.default('info'),
    google: googleSchema.prefault({}),
    uploads: uploadsSchema.prefault({}),
    history: historySchema.prefault({}),
    watch: watchSchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
    web: webSchema.prefault({}),
    desktop: desktopSchema.prefault({}),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** A setting's name: `machineName`, or a section and a field such as `uploads.concurrency`. */
export type SettingKey = {
  [S in keyof Settings & string]: Settings[S] extends Record<string, unknown>
    ? `${S}.${keyof Settings[S] & string}`
    : S;
}[keyof Settings & string];

/** Every setting, found by walking the schema, so a key added later is listed without more code. */
export const SETTING_KEYS: readonly SettingKey[] = Object.entries(settingsSchema.shape).flatMap(
  ([name, field]) => {
    const inner = withoutDefault(field);
    return inner instanceof z.ZodObject
      ? Object.keys(inner.shape).map((sub) => `${name}.${sub}` as SettingKey)
      : [name as SettingKey];
  },
);

export const settingKeySchema = z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]], {
  error: (issue) =>
    typeof issue.input === 'string'
      ? `there is no setting "${issue.input.slice(0, 100)}"`
      : 'expected the name of a setting, such as "uploads.concurrency"',
});

/** A partial update: every section optional and, within it, every field optional. */
export type SettingsPatch = {
  [S in keyof Settings]?: Settings[S] extends Record<string, unknown>
    ? Partial<Settings[S]>
    : Settings[S];
};

/**
 * The patch schema is the settings schema with every default taken out: zod 4 fills `.default()`s
 * even inside `.partial()`, so a patch naming one key would otherwise carry every sibling's default
 * and reset it. Built by walking the schema, so a key added later is patchable as it is.
 */
export const settingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(settingsSchema.shape).map(([name, field]) => {
      const inner = withoutDefault(field);
      const patchable =
        inner instanceof z.ZodObject
          ? z.strictObject(
              Object.fromEntries(
                Object.entries(inner.shape as Record<string, z.ZodType>).map(([sub, value]) => [
                  sub,
                  withoutDefault(value).optional(),
                ]),
              ),
            )
          : inner;
      return [name, patchable.optional()];
    }),
  ),
) as unknown as z.ZodType<SettingsPatch, SettingsPatch>;

/**
 * One change to the settings: keys to set (a patch) and keys to unset (back to their default, or
 * absent where a setting has none). A key may not be in both.
 */
export const settingsChangeSchema = z
  .strictObject({
    set: settingsPatchSchema.optional(),
    unset: z.array(settingKeySchema).max(SETTING_KEYS.length).optional(),
  })
  .superRefine((change, ctx) => {
    for (const key of change.unset ?? []) {
      if (valueAt(change.set ?? {}, key) !== undefined)
        ctx.addIssue({ code: 'custom', path: ['unset'], message: `${key} is both set and unset` });
    }
  });
export type SettingsChange = z.infer<typeof settingsChangeSchema>;

/** The value of `key` in a settings object or a patch (undefined when absent). */
export function valueAt(settings: object, key: string): unknown {
  const [section, field] = key.split('.') as [string, string | undefined];
  const top = (settings as Record<string, unknown>)[section];
  if (field === undefined) return top;
  return top !== null && typeof top === 'object'
    ? (top as Record<string, unknown>)[field]
    : undefined;
}

/** The help text of a setting, as written beside it in the schema. */
export function settingDescription(key: SettingKey): string | null {
  const [name, field] = key.split('.') as [string, string | undefined];
  let schema = (settingsSchema.shape as Record<string, z.ZodType>)[name];
  if (schema && field !== undefined) {
    const section = withoutDefault(schema);
    schema =
      section instanceof z.ZodObject
        ? (section.shape as Record<string, z.ZodType>)[field]
        : undefined;
  }
  return schema?.description ?? (schema && withoutDefault(schema).description) ?? null;
}

function withoutDefault(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault
    ? withoutDefault(schema.unwrap() as z.ZodType)
    : schema;
}
