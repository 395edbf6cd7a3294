import { InvalidArgumentError } from 'commander';
import { parseDuration, parseTime, TIME_FORMATS } from './time-input.ts';

/*
 * Commander argument parsers. Throwing InvalidArgumentError lets commander name the option and
 * the value in its message ("option '--since <when>' argument 'tomorow' is invalid. …"), and the
 * command exits 2 as for any usage error.
 */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('Give a whole number of 1 or more.');
  return n;
}

export function pointInTime(value: string): Date {
  const date = parseTime(value);
  if (!date) throw new InvalidArgumentError(`Give ${TIME_FORMATS}.`);
  return date;
}

export function durationMs(value: string): number {
  const plain = /^\d+$/.test(value.trim()) ? Number(value) : undefined;
  const ms = plain ?? parseDuration(value);
  if (ms === undefined)
    throw new InvalidArgumentError('Give milliseconds, or a duration such as 500ms, 2s, 1m.');
  return ms;
}
