import { escapeControl } from '../terminal-text.ts';

/** pino's numeric levels, by name. */
export const LOG_LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
} as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

const NAMES = new Map<number, string>(
  Object.entries(LOG_LEVELS).map(([name, value]) => [value, name.toUpperCase()]),
);

export interface LogRecord {
  level: number;
  time: number;
  msg?: string;
  [field: string]: unknown;
}

/** A line of the agent's log (one pino JSON object), or undefined for a line that is not one. */
export function parseLogLine(line: string): LogRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (value && typeof value === 'object' && typeof (value as LogRecord).level === 'number')
      return value as LogRecord;
  } catch {
    // A torn last line while the agent writes, or not a log line at all.
  }
  return undefined;
}

/**
 * One log record as a person reads it: local time, level, message, then the other fields as
 * key=value (an error as its type and message). pid and hostname are left out: one agent writes
 * this file. Everything from the record is escaped: it may carry file names.
 */
export function formatLogRecord(record: LogRecord): string {
  const { level, time, msg, pid: _pid, hostname: _host, err, ...fields } = record;
  const parts = [
    localTimestamp(new Date(time)),
    (NAMES.get(level) ?? String(level)).padEnd(5),
    msg ?? '',
  ];
  for (const [key, value] of Object.entries(fields)) parts.push(`${key}=${fieldText(value)}`);
  if (err && typeof err === 'object') {
    const { type, message } = err as { type?: string; message?: string };
    parts.push(`err=${[type, message].filter(Boolean).join(': ')}`);
  }
  return escapeControl(parts.join('  ').trimEnd());
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

function localTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) return '????-??-?? ??:??:??.???';
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  );
}
