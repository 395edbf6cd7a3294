import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { localPathSchema } from '../core/config/local-path-schema.ts';

/**
 * The files a launch hands over: "Open with DriveUp", a `.desktop` entry's `%F`, Windows
 * "Send to". Only ever this process's own argv: a second instance resolves its own paths and
 * passes them in the single-instance lock's data (Electron may reorder and add to the argv it
 * forwards, and a relative path means nothing in another working directory).
 */
export function filesFromArgv(argv: readonly string[], cwd: string, isPackaged: boolean): string[] {
  // Unpackaged, argv is [electron, app path, ...]; packaged, [executable, ...].
  const args = argv.slice(isPackaged ? 1 : 2);
  const files: string[] = [];
  let onlyPaths = false;
  for (const arg of args) {
    if (!onlyPaths && arg === '--') {
      onlyPaths = true;
      continue;
    }
    // Chromium and macOS add switches (`--original-process-start-time=…`, `-psn_0_…`).
    if (!onlyPaths && arg.startsWith('-')) continue;
    const path = arg.startsWith('file://') ? fileURLToPath(arg) : resolve(cwd, arg);
    if (localPathSchema.safeParse(path).success) files.push(path);
  }
  return files;
}

/** What a second instance passes to the first (and the first checks: it is input from outside). */
export const secondInstanceDataSchema = z.object({
  files: z.array(localPathSchema).max(100_000).default([]),
});
export type SecondInstanceData = z.infer<typeof secondInstanceDataSchema>;

/** Files from a second instance's data; nothing from data that does not have the right shape. */
export function filesFromSecondInstance(additionalData: unknown): string[] {
  const parsed = secondInstanceDataSchema.safeParse(additionalData);
  return parsed.success ? parsed.data.files.filter((path) => isAbsolute(path)) : [];
}
