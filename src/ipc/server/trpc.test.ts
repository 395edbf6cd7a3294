import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatError } from './trpc.ts';

const shape = { message: 'Input validation failed', code: -32600, data: { code: 'BAD_REQUEST' } };

function rejected(input: unknown): TRPCError {
  const parsed = z.object({ limit: z.number() }).safeParse(input);
  if (parsed.success) throw new Error('the input was meant to be refused');
  return new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error });
}

describe('the API error shape', () => {
  it('names the refused field and what it got', () => {
    const formatted = formatError(shape, rejected({ limit: 'abc' }), { limit: 'abc' });
    expect(formatted.message).toContain('limit');
    expect(formatted.data.inputIssues).toHaveLength(1);
  });

  it('still answers when the input cannot be read back, with tRPC’s own message', () => {
    const error = rejected({ limit: 'abc' });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('a getter that throws');
        },
      },
    );
    const formatted = formatError(shape, error, hostile);
    expect(formatted.message).toBe('Input validation failed');
    expect(formatted.data).toMatchObject({ code: 'BAD_REQUEST', inputIssues: null, refusal: null });
  });
});
