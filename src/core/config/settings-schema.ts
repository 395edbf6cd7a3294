import { hostname } from 'node:os';
import { z } from 'zod';
import { mongoUriProblem } from '../history/mongo-uri.ts';

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
      .default(8 * 1024 * 1024)
      .describe('Resumable upload chunk size.'),
    defaultFolder: z
      .string()
      .min(1)
      .max(1000)
      .default('DriveUp')
      .describe('Drive folder path used when a file is added without a destination.'),
    conflictPolicy: conflictPolicySchema.default('keep-both'),
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
    desktop: desktopSchema.prefault({}),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** A partial update: every section optional and, within it, every field optional. */
export const settingsPatchSchema = z
  .object({
    machineName: settingsSchema.shape.machineName.unwrap().optional(),
    logLevel: logLevelSchema.optional(),
    google: googleSchema.partial().optional(),
    uploads: uploadsSchema.partial().optional(),
    history: historySchema.partial().optional(),
    watch: watchSchema.partial().optional(),
    notifications: notificationsSchema.partial().optional(),
    desktop: desktopSchema.partial().optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
