import { z } from 'zod';

/**
 * Why a file found in an added or watched folder was left out:
 * - `symlink`: a symbolic link, not followed (or a link to a folder, never followed);
 * - `hidden`: its name, or a folder's above it, starts with a dot;
 * - `special`: a FIFO, socket or device, which has no content to upload;
 * - `protected`: DriveUp's own files (database, tokens, settings, logs);
 * - `outside`: a followed link whose target lies outside the folder.
 */
export const skipReasonSchema = z.enum(['symlink', 'hidden', 'special', 'protected', 'outside']);
export type SkipReason = z.infer<typeof skipReasonSchema>;

export const skippedPathSchema = z.object({
  path: z.string(),
  reason: skipReasonSchema,
  message: z.string(),
});
export type SkippedPath = z.infer<typeof skippedPathSchema>;
