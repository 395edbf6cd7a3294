import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { localPathSchema } from '../config/local-path-schema.ts';
import { conflictPolicySchema } from '../config/settings-schema.ts';

/** What a person or script asks for when adding files: the API's input for `queue.add`. */
export const addRequestSchema = z
  .object({
    paths: z.array(localPathSchema).min(1, 'name at least one file').max(100_000),
    folder: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .optional()
      .describe('Drive folder path, e.g. Reports/2026'),
    source: z.enum(['drop', 'cli']).default('cli'),
    conflictPolicy: conflictPolicySchema.optional(),
    force: z.boolean().optional().describe('Upload again files already in that folder'),
    dryRun: z.boolean().optional().describe('Queue nothing; answer what would be queued'),
  })
  .strict();
export type AddRequest = z.output<typeof addRequestSchema>;

export interface ExpandedFile {
  path: string;
  folderPath: string;
}

/** A path that cannot be added, with what to do about it. */
export class AddPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddPathError';
  }
}

/**
 * Turns the paths someone added into files and their Drive folders. A folder is uploaded with
 * its tree: `add ~/scans --to Lab` puts `~/scans/a/b.tif` into `Lab/scans/a`. Every path is
 * checked before anything is queued, so a typo queues nothing and says which path was wrong.
 */
export async function expandAddRequest(paths: string[], folder: string): Promise<ExpandedFile[]> {
  const files: ExpandedFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new AddPathError(`No such file or folder: ${path}`);
    if (info.isFile()) files.push({ path, folderPath: folder });
    else if (info.isDirectory()) files.push(...(await filesInFolder(path, folder)));
    else throw new AddPathError(`Not a regular file or folder: ${path}`);
  }
  return files;
}

async function filesInFolder(root: string, folder: string): Promise<ExpandedFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      const relativeDir = relative(root, dirname(path)).split(sep).filter(Boolean);
      return { path, folderPath: [folder, basename(root), ...relativeDir].join('/') };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}
