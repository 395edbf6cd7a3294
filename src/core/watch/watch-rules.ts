import { z } from 'zod';
import { localPathSchema } from '../config/local-path-schema.ts';
import { conflictPolicySchema } from '../config/settings-schema.ts';
import { DEFAULT_DESTINATION, templateProblem } from './destination-template.ts';
import { globProblem } from './ignore-rules.ts';

/**
 * The watch rule as the API accepts it. These schemas are the API's input schemas, so every
 * message is written for the person who typed the value.
 */
const MAX_PATTERN_LENGTH = 1000;
const MAX_PATTERNS = 200;

const globSchema = z
  .string()
  .max(MAX_PATTERN_LENGTH)
  .superRefine((glob, ctx) => {
    if (glob.length > MAX_PATTERN_LENGTH) return;
    const problem = globProblem(glob);
    if (problem) ctx.addIssue({ code: 'custom', message: `bad pattern "${glob}": ${problem}` });
  });

const destinationSchema = z
  .string()
  .max(MAX_PATTERN_LENGTH)
  .superRefine((template, ctx) => {
    if (template.length > MAX_PATTERN_LENGTH) return;
    const problem = templateProblem(template);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('Drive folder path; placeholders {machine}, {relativeDir}, {yyyy}, {mm}, {dd}.');

export const afterUploadSchema = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('keep') }).strict(),
    z.object({ action: z.literal('move'), folder: localPathSchema }).strict(),
    z.object({ action: z.literal('delete') }).strict(),
  ])
  .describe(
    'What happens to the local file once it is in Drive. "delete" happens only after Drive confirmed the MD5.',
  );
export type AfterUpload = z.infer<typeof afterUploadSchema>;

// Without defaults, so that an update (`.partial()`) leaves out what it does not change.
const ruleFields = {
  folder: localPathSchema.describe('The local folder to watch.'),
  destination: destinationSchema,
  include: z
    .array(globSchema)
    .max(MAX_PATTERNS)
    .describe('Only files matching one of these; empty for all.'),
  exclude: z
    .array(globSchema)
    .max(MAX_PATTERNS)
    .describe('Never files (or folders) matching one of these.'),
  recursive: z.boolean().describe('Also watch every subfolder.'),
  stabilityWindowMs: z
    .int()
    .min(0)
    .max(3_600_000)
    .describe('A file is uploaded once its size and time stay unchanged this long.'),
  conflictPolicy: conflictPolicySchema,
  afterUpload: afterUploadSchema,
  ignoreHidden: z.boolean().describe('Skip files and folders whose name starts with a dot.'),
  ignoreTemporary: z
    .boolean()
    .describe('Skip partial downloads, lock and swap files (*.part, ~$*, .DS_Store…).'),
  enabled: z.boolean().describe('False pauses the rule.'),
  followSymlinks: z
    .boolean()
    .describe(
      "Follow symbolic links to files inside the watched folder; never to folders, never outside it, never into DriveUp's own files. Off: links are skipped, and listed with the reason.",
    ),
};

export const watchRuleInputSchema = z
  .object({
    folder: ruleFields.folder,
    destination: ruleFields.destination.default(DEFAULT_DESTINATION),
    include: ruleFields.include.default([]),
    exclude: ruleFields.exclude.default([]),
    recursive: ruleFields.recursive.default(true),
    stabilityWindowMs: ruleFields.stabilityWindowMs.default(2000),
    conflictPolicy: ruleFields.conflictPolicy.default('keep-both'),
    afterUpload: ruleFields.afterUpload.default({ action: 'keep' }),
    ignoreHidden: ruleFields.ignoreHidden.default(true),
    ignoreTemporary: ruleFields.ignoreTemporary.default(true),
    enabled: ruleFields.enabled.default(true),
    followSymlinks: ruleFields.followSymlinks.default(false),
  })
  .strict();
export type WatchRuleInput = z.input<typeof watchRuleInputSchema>;
export type WatchRuleSettings = z.infer<typeof watchRuleInputSchema>;

export const watchRulePatchSchema = z.object(ruleFields).partial().strict();
export type WatchRulePatch = z.infer<typeof watchRulePatchSchema>;

export const ruleIdSchema = z.string().min(1).max(100);

export const watchRuleUpdateSchema = z.object({ id: ruleIdSchema, patch: watchRulePatchSchema });
export type WatchRuleUpdate = z.infer<typeof watchRuleUpdateSchema>;

export interface WatchRule extends WatchRuleSettings {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

export type WatchRuleState = 'watching' | 'scanning' | 'folder-missing' | 'error' | 'paused';

export interface WatchRuleCounts {
  /** Files the journal knows for this rule (present or already uploaded). */
  seen: number;
  /** Waiting for size and time to stay still. */
  pending: number;
  /** Handed to the queue, not uploaded yet (waiting or uploading). */
  queued: number;
  /** Failed an attempt; the queue will try again (not counted in `queued`). */
  retrying: number;
  uploaded: number;
  /** Failed in the queue; queued again only when the file changes (or by `retry`). */
  failed: number;
  /** Cancelled by someone; queued again only when the file changes. */
  cancelled: number;
  /** Left out, with a reason (symbolic links, FIFOs, DriveUp's own files): see `watch.skipped`. */
  skipped: number;
}

export interface WatchRuleStatus {
  rule: WatchRule;
  state: WatchRuleState;
  /** Why the rule is in `error` or `folder-missing`, in words for a person. */
  reason: string | null;
  counts: WatchRuleCounts;
}
