/** Quotes a value for a Drive `q` search string: backslash and single quote must be escaped. */
export function escapeQuery(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}
