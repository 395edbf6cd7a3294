/**
 * A Drive folder path as the folder resolver reads it: segments split on `/`, trimmed, empty ones
 * dropped. `Lab/2026`, `/Lab//2026/` and ` Lab / 2026` are one folder.
 */
export function folderSegments(path: string): string[] {
  return path
    .split('/')
    .map((segment) => segment.trim())
    .filter((segment) => segment.length > 0);
}

/** The one spelling of a folder path, for comparing destinations ('' is My Drive's root). */
export function canonicalFolderPath(path: string): string {
  return folderSegments(path).join('/');
}
