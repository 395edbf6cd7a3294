/**
 * Sizes and rates as people type them: `500k`, `1M`, `1.5G`, `2MiB`, `1M/s`, or plain bytes.
 * Written here because the common parser (`bytes`) needs a `B` (`1MB`) and reads `1M` as 1 byte.
 * The multiples are powers of 1024 whatever the spelling (`k`, `K`, `KB`, `KiB`), as in curl's
 * `--limit-rate` and rclone's `--bwlimit`; `/s` after a rate is allowed and ignored.
 */
export const SIZE_FORMATS =
  'bytes, or with a unit: 500k, 1M, 1.5G (powers of 1024; 1M/s for rates)';

const POWERS: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };

/** Whole bytes, or undefined when `text` is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?(?:\/s)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const bytes = Number(match[1]) * 1024 ** POWERS[unit]!;
  if (!unit && !Number.isInteger(bytes)) return undefined;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : undefined;
}
