/** One page of a list the API serves in pages. */
export interface Page<T> {
  items: T[];
  /** Where the next page starts; null after the last. */
  nextCursor: string | null;
}

export interface PagingOptions {
  /** How many items the person asked for; Infinity for all of them (`--all`). */
  limit: number;
  /** Start after this point (`--cursor`, a previous answer's `nextCursor`). */
  cursor?: string;
  /** The most the API gives in one page: asking for more takes several pages, never a cap. */
  pageMax: number;
}

/**
 * Asks for pages until `limit` items are in or the list ends. The answer's `nextCursor` is
 * where a later call (`--cursor`) goes on, so no limit of the API ever cuts a list silently.
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
  options: PagingOptions,
): Promise<Page<T>> {
  const items: T[] = [];
  let cursor = options.cursor;
  for (;;) {
    const want = Math.min(options.pageMax, options.limit - items.length);
    const page = await fetchPage(cursor, want);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!page.nextCursor || items.length >= options.limit) {
      return { items, nextCursor: page.nextCursor };
    }
  }
}

/** What to type to see the rest, for the line under a list (the same filters, and the cursor). */
export function moreHint(nextCursor: string | null): string {
  return nextCursor ? `\nMore: run it again with --cursor ${nextCursor}, or with --all.` : '';
}
