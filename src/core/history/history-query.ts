import { z } from 'zod';
import { historyRecordSchema, historyStatusSchema, jobSourceSchema } from './history-record.ts';

export const HISTORY_PAGE_MAX = 200;

const dateSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value));

function oneOrMany<T extends z.ZodType>(item: T) {
  return z
    .union([item, z.array(item).min(1).max(20)])
    .transform((value) => [value].flat() as z.output<T>[]);
}

/** A cursor is opaque to clients: the sort key and id of the last record they were given. */
export interface HistoryCursor {
  sortKey: number;
  id: string;
}

export function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.sortKey, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): HistoryCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [sortKey, id] = value as unknown[];
    if (!Number.isSafeInteger(sortKey) || typeof id !== 'string') return null;
    return { sortKey: sortKey as number, id };
  } catch {
    return null;
  }
}

/** The history search, the same for both backends; also the API's input schema. */
export const historyQuerySchema = z
  .object({
    text: z
      .string()
      .max(500)
      .optional()
      .describe(
        'Words in the file name, Drive folder or local path; case and accents ignored; every word must match, the last one as a prefix.',
      ),
    from: dateSchema.optional().describe('Finished at or after.'),
    to: dateSchema.optional().describe('Finished before.'),
    status: oneOrMany(historyStatusSchema).optional(),
    source: oneOrMany(jobSourceSchema).optional(),
    machine: z.string().min(1).max(100).optional(),
    folder: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .describe('Drive folder path; records in its subfolders match too.'),
    extension: z.string().min(1).max(50).optional().describe('e.g. "jpg" or ".JPG".'),
    mimeType: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('A MIME type ("image/png") or a family ("image/*" or "image").'),
    cursor: z
      .string()
      .max(2000)
      .refine((text) => decodeCursor(text) !== null, 'is not a cursor this history gave out')
      .optional()
      .describe('`nextCursor` of the previous page.'),
    limit: z.int().min(1).max(HISTORY_PAGE_MAX).default(50),
  })
  .strict();
export type HistoryQueryInput = z.input<typeof historyQuerySchema>;
export type HistoryQuery = z.output<typeof historyQuerySchema>;

export const historyBackendSchema = z.enum(['mongodb', 'local']);
export type HistoryBackend = z.infer<typeof historyBackendSchema>;

/** One page, newest first, and which backend answered. */
export const historyPageSchema = z.object({
  backend: historyBackendSchema,
  items: z.array(historyRecordSchema),
  nextCursor: z.string().nullable(),
  /**
   * This machine's records not in MongoDB yet (waiting to be sent, or refused by it), which a
   * search answered by MongoDB cannot find; null when no MongoDB is configured.
   */
  notInMongodb: z.int().nonnegative().nullable(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

export const historyClearSchema = z
  .object({
    before: dateSchema.optional().describe('Only records finished before; all when absent.'),
  })
  .strict();
export type HistoryClearInput = z.input<typeof historyClearSchema>;
