import { TRPCError } from '@trpc/server';

/** The shortest prefix taken for an id, as git takes abbreviated hashes. */
const MIN_ID_PREFIX = 4;
/** Candidates named in an "ambiguous" answer. */
const LISTED = 5;

export interface IdLookup {
  /** `job`, `watch rule`: for the messages. */
  what: string;
  exists(id: string): boolean;
  /** Ids starting with `prefix`, in order, at most `limit`. */
  startingWith(prefix: string, limit: number): string[];
  /** A few words that tell one candidate from another (a file name, a folder). */
  describe(id: string): string;
}

/**
 * The full id meant by `input`: the id itself, or the only one that starts with it (4 characters
 * or more; the 8 that lists show are plenty). None: NOT_FOUND. Several: BAD_REQUEST naming them,
 * so the person can pick, and nothing is done to a job they did not mean.
 */
export function resolveId(input: string, lookup: IdLookup): string {
  if (lookup.exists(input)) return input;
  const prefix = input.toLowerCase();
  if (prefix.length < MIN_ID_PREFIX) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `There is no ${lookup.what} ${input}; give the id, or at least its first ${MIN_ID_PREFIX} characters.`,
    });
  }
  const ids = lookup.startingWith(prefix, LISTED + 1);
  if (ids.length === 1) return ids[0]!;
  if (!ids.length) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `There is no ${lookup.what} whose id starts with ${input}.`,
    });
  }
  const listed = ids.slice(0, LISTED).map((id) => `  ${id.slice(0, 12)}  ${lookup.describe(id)}`);
  if (ids.length > LISTED) listed.push('  …');
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: `${input} is the start of more than one ${lookup.what} id; give more characters:\n${listed.join('\n')}`,
  });
}
