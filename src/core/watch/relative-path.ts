import { relative, sep } from 'node:path';

/** A path below `root` as the journal keys it (`/`-separated), or null when it is not below. */
export function toRelative(root: string, path: string): string | null {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..')) return null;
  return rel.split(sep).join('/');
}
