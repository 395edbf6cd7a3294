import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** True when `path` is `parent` or below it (both absolute, compared as written). */
export function isWithin(path: string, parent: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** macOS and Windows file systems are case-insensitive by default. */
export function pathComparer(platform: NodeJS.Platform): (path: string) => string {
  return platform === 'darwin' || platform === 'win32' ? (p) => p.toLowerCase() : (p) => p;
}

/** The real path of the deepest existing ancestor, plus the part that does not exist yet. */
export async function canonicalPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    if (parent === absolute) return absolute;
    return join(await canonicalPath(parent), basename(absolute));
  }
}
