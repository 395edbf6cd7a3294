/**
 * Times and durations as people type them on a command line. Written here rather than taken from
 * a natural-language parser (chrono-node): those do not read `10m` or `2h`, and guess at dates
 * like `3/4` by locale. What is accepted is short, exact and listed in `--help`:
 *
 * - `now`, `today`, `yesterday` (today and yesterday start at local midnight)
 * - a duration back from now: `90s`, `10m`, `2h`, `3d`, `1w`, optionally followed by `ago`
 * - a local date `2026-11-17` (midnight), a local date and time `2026-11-17 14:30[:05]`
 *   (or with a `T`)
 * - an ISO time with its offset: `2026-11-17T14:30:00Z`, `…+01:00`
 */
export const TIME_FORMATS =
  'a date (2026-11-17), a local date and time (2026-11-17 14:30), an ISO time with offset ' +
  '(2026-11-17T14:30:00Z), a time back from now (90s, 10m, 2h, 3d, 1w), today or yesterday';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const UNIT_WORDS: Record<string, string> = {
  ms: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  w: 'w',
  week: 'w',
  weeks: 'w',
};

/** `90s`, `10m`, `2 hours`, `500ms`: milliseconds, or undefined when `text` is no duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = UNIT_WORDS[match[2]!.toLowerCase()];
  if (!unit) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[unit]!);
}

/** A point in time from one of {@link TIME_FORMATS}; undefined when `text` is none of them. */
export function parseTime(text: string, now: Date = new Date()): Date | undefined {
  const input = text.trim().toLowerCase();
  if (input === 'now') return new Date(now);
  if (input === 'today') return startOfDay(now, 0);
  if (input === 'yesterday') return startOfDay(now, -1);
  const ago = parseDuration(input.replace(/\s+ago$/, ''));
  if (ago !== undefined) return new Date(now.getTime() - ago);
  return parseLocalDateTime(input) ?? parseIsoWithOffset(text.trim());
}

function startOfDay(now: Date, days: number): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
}

/** `2026-11-17`, `2026-11-17 14:30`, `2026-11-17T14:30:05`: in this machine's time zone. */
function parseLocalDateTime(input: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(input);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const date = new Date(year!, month! - 1, day!, hour, minute, second);
  // `new Date` rolls 2026-02-30 over to March; a date that does not exist is a typo.
  const exact =
    date.getFullYear() === year &&
    date.getMonth() === month! - 1 &&
    date.getDate() === day &&
    date.getHours() === hour &&
    date.getMinutes() === minute;
  return exact && second < 60 ? date : undefined;
}

function parseIsoWithOffset(input: string): Date | undefined {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(input)
  )
    return undefined;
  const date = new Date(input);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
