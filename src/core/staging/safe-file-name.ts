/** Longest staged name in UTF-8 bytes: room under every file system's 255-byte limit. */
export const MAX_NAME_BYTES = 200;

// Control characters and what Windows forbids in a name; `/` and `\` never get this far.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/**
 * A browser's file name made safe to create on any OS, or null when nothing usable is left. The
 * name comes from outside (a dropped file, a hostile script): only its last path segment is kept,
 * so it can never point anywhere else, and the name Drive shows stays as close to it as possible.
 */
export function safeFileName(name: string): string | null {
  const lastSegment = name.normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  const cleaned = lastSegment
    .replace(FORBIDDEN, '_')
    .trim()
    // Windows drops trailing dots and spaces, which would make two names one.
    .replace(/[. ]+$/, '');
  if (cleaned === '' || /^\.+$/.test(cleaned)) return null;
  const named = WINDOWS_RESERVED.test(cleaned) ? `_${cleaned}` : cleaned;
  return truncateKeepingExtension(named, MAX_NAME_BYTES);
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(name).length <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = name.slice(0, name.length - extension.length);
  // By code point, so a character is never cut in half.
  const budget = maxBytes - encoder.encode(extension).length;
  while (encoder.encode(stem).length > budget) stem = Array.from(stem).slice(0, -1).join('');
  return stem + extension;
}
