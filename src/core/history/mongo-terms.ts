/**
 * How words are stored and looked up in MongoDB, where there is no FTS5.
 *
 * Each record carries one array, `terms`, indexed as a multikey index `{ terms: 1, sortKey: -1,
 * _id: -1 }`: every word as it is (`report`), and every prefix of it marked with a star (`r*`,
 * `re*`, … `report*`). Then every query word is an equality on the index: whole words look up
 * `report`, the last word `rep*`. We chose stored prefixes over an anchored range on the words
 * (`{ $gte: 'rep', $lt: 'req' }`) because an equality on the first index field lets the same
 * index hand out matches already in newest-first order, so a page stops after `limit` index
 * entries, where a range over many words must fetch and sort every match first (a blocking SORT
 * on "a" would touch most of the collection). The price is more index keys per record (a word of
 * n letters adds n); prefixes are stored up to MAX_PREFIX letters, and a longer query prefix
 * looks up its first MAX_PREFIX letters in the index and checks the rest with an anchored
 * regular expression on the handful of records that index lookup returns.
 */
const MAX_PREFIX = 32;

export function termsOf(words: readonly string[]): string[] {
  const terms = new Set<string>();
  for (const word of words) {
    terms.add(word);
    const letters = Array.from(word);
    const longest = Math.min(letters.length, MAX_PREFIX);
    for (let n = 1; n <= longest; n++) terms.add(`${letters.slice(0, n).join('')}*`);
  }
  return [...terms];
}

/** The term a query's last word looks up, and whether the index alone settles it. */
export function prefixTerm(prefix: string): { term: string; exact: boolean } {
  const letters = Array.from(prefix);
  if (letters.length <= MAX_PREFIX) return { term: `${prefix}*`, exact: true };
  return { term: `${letters.slice(0, MAX_PREFIX).join('')}*`, exact: false };
}
