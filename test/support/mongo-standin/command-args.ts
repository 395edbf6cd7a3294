import { Long } from 'bson';
import { CommandError } from './command-error.ts';
import { isDoc, type Doc } from './document.ts';

/** Typed reads of command fields; a wrong type is the client's mistake, reported as TypeMismatch. */

export function stringArg(cmd: Doc, key: string): string {
  const value = cmd[key];
  if (typeof value !== 'string' || value === '') {
    throw new CommandError('InvalidNamespace', `'${key}' must be a non-empty string`);
  }
  return value;
}

export function docArg(cmd: Doc, key: string): Doc {
  const value = cmd[key] ?? {};
  if (!isDoc(value)) throw mismatch(key, 'an object');
  return value;
}

export function docArrayArg(cmd: Doc, key: string): Doc[] {
  const value = cmd[key] ?? [];
  if (!Array.isArray(value) || !value.every(isDoc)) throw mismatch(key, 'an array of objects');
  return value;
}

export function optionalDocArg(cmd: Doc, key: string): Doc | undefined {
  return cmd[key] === undefined || cmd[key] === null ? undefined : docArg(cmd, key);
}

export function numberArg(cmd: Doc, key: string, fallback: number): number {
  const value = cmd[key];
  if (value === undefined || value === null) return fallback;
  const n = toNumber(value);
  if (n === undefined) throw mismatch(key, 'a number');
  return n;
}

export function boolArg(cmd: Doc, key: string, fallback: boolean): boolean {
  const value = cmd[key];
  return value === undefined || value === null ? fallback : Boolean(value);
}

function mismatch(key: string, expected: string): CommandError {
  return new CommandError('TypeMismatch', `'${key}' must be ${expected}`);
}

/** Numbers arrive as JS numbers, except int64 values beyond 2^53, which `bson` keeps as Long. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  return undefined;
}
