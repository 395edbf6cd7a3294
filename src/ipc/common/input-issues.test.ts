import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputIssues, inputIssuesMessage } from './input-issues.ts';

function messageFor(schema: z.ZodType, input: unknown): string {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be refused');
  return inputIssuesMessage(inputIssues(result.error.issues, input));
}

describe('inputIssuesMessage', () => {
  it('names each bad field once, a missing one as "Required"', () => {
    const schema = z.object({ folder: z.string(), retries: z.int().min(0) }).strict();
    expect(messageFor(schema, { retries: -1 })).toBe(
      'folder: Required; retries: Too small: expected number to be >=0',
    );
  });

  it('says what a field of the wrong type was given', () => {
    const schema = z.object({ concurrency: z.int(), enabled: z.boolean() });
    expect(messageFor(schema, { concurrency: 'abc', enabled: 'yes' })).toBe(
      'concurrency: expected a number, got "abc"; enabled: expected true or false, got "yes"',
    );
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(messageFor(schema, { concurrency: deep, enabled: 10n })).toBe(
      'concurrency: expected a number, got an object; enabled: expected true or false, got bigint',
    );
  });

  it('stays one line for a list of 10,000 bad items, and counts what it leaves out', () => {
    const schema = z.object({ states: z.array(z.enum(['queued', 'done'])) });
    const message = messageFor(schema, {
      states: Array.from({ length: 10_000 }, (_, i) => `${i}`),
    });
    expect(message).toMatch(/^states\.0: [^;]*(; states\.\d: [^;]*){4}; and 9995 more problems$/);
    expect(message.length).toBeLessThan(1000);
  });

  it('clips a message that quotes a huge value', () => {
    const schema = z.object({
      glob: z
        .string()
        .refine(() => false, { error: (issue) => `bad pattern "${String(issue.input)}"` }),
    });
    const message = messageFor(schema, { glob: 'x'.repeat(1024 * 1024) });
    expect(message.length).toBeLessThanOrEqual(400);
    expect(message).toMatch(/^glob: bad pattern "x+…$/);
  });
});
