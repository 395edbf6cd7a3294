// Numbers and times in people's words. Written here rather than with pretty-bytes/pretty-ms:
// pages import only Preact and the tRPC client, and these few lines keep every window's script
// small. Units are decimal (kB, MB), as the CLI's pretty-bytes prints them.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

function unitOf(bytes: number): number {
  let unit = 0;
  while (bytes >= 1000 ** (unit + 1) && unit < UNITS.length - 1) unit++;
  return unit;
}

function inUnit(bytes: number, unit: number): string {
  const value = bytes / 1000 ** unit;
  if (unit === 0) return String(Math.round(value));
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** `12.4 MB` */
export function formatBytes(bytes: number): string {
  const unit = unitOf(bytes);
  return `${inUnit(bytes, unit)} ${UNITS[unit]}`;
}

/** `12.4 of 80.0 MB`: both in the total's unit, so the numbers can be compared at a glance. */
export function formatBytesOf(done: number, total: number): string {
  const unit = unitOf(total);
  return `${inUnit(Math.min(done, total), unit)} of ${inUnit(total, unit)} ${UNITS[unit]}`;
}

/** `4.1 MB/s` */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** `about 3 min left`; rounds as people do, never claims more precision than a rate gives. */
export function formatTimeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 10) return 'a few seconds left';
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.round(seconds / 360) / 10;
  return `about ${hours} h left`;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** `Today 14:03`, `Yesterday 09:12`, or the date and time. */
export function formatWhen(date: Date, now: Date = new Date()): string {
  const days = daysBetween(date, now);
  if (days === 0) return `Today ${timeOfDay.format(date)}`;
  if (days === 1) return `Yesterday ${timeOfDay.format(date)}`;
  return dayAndTime.format(date);
}

function daysBetween(date: Date, now: Date): number {
  const start = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((start(now) - start(date)) / 86_400_000);
}

/** `1,234` in the reader's locale. */
export function formatCount(n: number): string {
  return n.toLocaleString();
}

/**
 * The share of a file that is still moving, for its bar: at most 99% until it is done. The engine
 * counts bytes handed to the network, which can all be out while Drive still reads them; only
 * "done" means Drive has the file.
 */
export function unfinished(fraction: number): number {
  return Math.max(0, Math.min(0.99, fraction));
}
