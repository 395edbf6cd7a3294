import { z } from 'zod';

/** What to write instead, said in every refusal. */
const EXAMPLE = 'name a Drive folder, e.g. Reports/2026, or "/" for the top of My Drive';

/**
 * Drive folder paths as people type them (`--to`, a watch rule's destination): `/`-separated
 * names, blanks around a name dropped as the folder resolver drops them, so `Lab//2026/` is
 * `Lab/2026` and `/` alone is the top of My Drive. `.` and `..` mean nothing in Drive: a folder
 * named "." would be created, so they are refused rather than guessed at.
 */
export function folderPathSegments(path: string): string[] {
  return path
    .split('/')
    .map((segment) => segment.trim())
    .filter((segment) => segment !== '');
}

/** Why `path` cannot name a Drive folder, or null. */
export function folderPathProblem(path: string): string | null {
  if (path.trim() === '') return `the folder is empty: ${EXAMPLE}`;
  const dots = folderPathSegments(path).find((segment) => segment === '.' || segment === '..');
  if (dots) return `"${dots}" is not a folder in Drive: ${EXAMPLE}`;
  return null;
}

/** The path as the folder resolver reads it: '' for the top of My Drive. */
export function normalizeFolderPath(path: string): string {
  return folderPathSegments(path).join('/');
}

/** A Drive folder path in an API input: checked, then normalized. */
export const driveFolderPathSchema = z
  .string()
  .max(1000)
  .superRefine((path, ctx) => {
    const problem = path.length <= 1000 ? folderPathProblem(path) : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalizeFolderPath)
  .describe('Drive folder path, e.g. Reports/2026; "/" for the top of My Drive');
