import { isAbsolute } from 'node:path';
import { z } from 'zod';

/**
 * Longest path accepted at the API: Linux's PATH_MAX. Windows long paths stop at 32,767 UTF-16
 * units in theory, but nothing DriveUp watches or uploads comes near 4 KiB, and a cap keeps a
 * runaway script from making the agent echo megabytes back in its messages.
 */
const MAX_PATH_LENGTH = 4096;

/** A file or folder on this machine, as the API takes it: absolute, so the agent's cwd never matters. */
export const localPathSchema = z
  .string()
  .min(1)
  .max(MAX_PATH_LENGTH, `is longer than any path this system takes (${MAX_PATH_LENGTH} characters)`)
  .refine((path) => !path.includes('\0'), 'contains a NUL character, which no file name can')
  .refine((path) => isAbsolute(path), 'must be an absolute path');
