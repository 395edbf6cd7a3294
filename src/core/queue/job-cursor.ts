import { z } from 'zod';

/** Where a page of the job list ended: the last job's place in either order. */
export interface JobCursor {
  priority: number;
  seq: number;
}

export function encodeJobCursor(cursor: JobCursor): string {
  return `${cursor.priority}.${cursor.seq}`;
}

export function decodeJobCursor(text: string): JobCursor | null {
  const match = /^(-?\d{1,15})\.(\d{1,15})$/.exec(text);
  return match ? { priority: Number(match[1]), seq: Number(match[2]) } : null;
}

/** The API's `cursor`: only what `nextCursor` gave out, so that nothing else reaches the SQL. */
export const jobCursorSchema = z
  .string()
  .max(40)
  .refine(
    (text) => decodeJobCursor(text) !== null,
    'is not a cursor the queue gave out; pass the nextCursor of the previous page',
  );
