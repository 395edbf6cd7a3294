/**
 * The one tokenizer both history backends use, so that a query finds the same records in the
 * local FTS5 index and in MongoDB. Words are runs of letters and digits; case, accents and
 * compatibility forms (full-width, ligatures, superscripts) are folded away.
 */

/** Letters that carry no combining mark in Unicode, so NFKD alone does not fold them. */
const FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ħ: 'h',
  ı: 'i',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join('')}]`, 'gu');
const MARKS = /\p{M}+/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/** Lower-case, accent-free form of `text`, before it is split into words. */
function normaliseText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(FOLDABLE, (c) => FOLDS[c] ?? c);
}

/** The words of `text`, normalised, in order, duplicates kept. */
export function words(text: string): string[] {
  return normaliseText(text)
    .split(SEPARATORS)
    .filter((word) => word.length > 0);
}

/** The distinct words a record is found by: its file name, Drive folder and local path. */
export function recordWords(fields: { name: string; folderPath: string; path: string }): string[] {
  return [...new Set([fields.name, fields.folderPath, fields.path].flatMap(words))];
}

/**
 * A free-text query: every word must match whole, except the last, which matches as a prefix
 * (the user may still be typing it). No words means no text constraint.
 */
export interface TextQuery {
  whole: string[];
  prefix: string;
}

export function parseTextQuery(text: string | undefined): TextQuery | null {
  const found = words(text ?? '');
  const prefix = found.pop();
  if (prefix === undefined) return null;
  return { whole: [...new Set(found)], prefix };
}
