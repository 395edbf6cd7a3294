import { DriveError } from './http-io.ts';

/** A parsed `fields` selector: `true` takes the whole value, a nested selection takes part of it. */
export type Selection = Map<string, Selection | true>;

/**
 * Parses Drive's partial-response syntax: `a,b(c,d),e/f,*`. Unknown field names are kept and simply
 * select nothing, since real Drive knows many more fields than the fake stores.
 */
export function parseFields(fields: string): Selection {
  let pos = 0;
  const invalid = (): DriveError =>
    new DriveError(400, 'invalidParameter', `Invalid field selection ${fields}`);
  const parseTerm = (): [string, Selection | true] => {
    const start = pos;
    while (pos < fields.length && !',()/'.includes(fields[pos] ?? '')) pos++;
    const name = fields.slice(start, pos).trim();
    if (!name) throw invalid();
    if (fields[pos] === '(') {
      pos++;
      const sub = parseList();
      if (fields[pos] !== ')') throw invalid();
      pos++;
      return [name, sub];
    }
    if (fields[pos] === '/') {
      pos++;
      return [name, new Map([parseTerm()])];
    }
    return [name, true];
  };
  const parseList = (): Selection => {
    const selection: Selection = new Map();
    for (;;) {
      const [name, sub] = parseTerm();
      merge(selection, name, sub);
      if (fields[pos] !== ',') return selection;
      pos++;
    }
  };
  const result = parseList();
  if (pos !== fields.length) throw invalid();
  return result;
}

function merge(selection: Selection, name: string, sub: Selection | true): void {
  const existing = selection.get(name);
  if (existing === true || sub === true || !existing) {
    selection.set(name, existing === true ? true : sub);
    return;
  }
  for (const [key, value] of sub) merge(existing, key, value);
}

export function project(value: unknown, selection: Selection | true): unknown {
  if (selection === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => project(item, selection));
  const source = value as Record<string, unknown>;
  const wildcard = selection.get('*');
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    const sub = selection.get(key) ?? wildcard;
    if (sub !== undefined && item !== undefined) out[key] = project(item, sub);
  }
  return out;
}

/** Applies `fields`, or the method's default when the request gave none. */
export function select(value: unknown, fields: string | null, defaults: string): unknown {
  return project(value, parseFields(fields && fields.trim() ? fields : defaults));
}

export const FILE_DEFAULT_FIELDS = 'kind,id,name,mimeType';
export const LIST_DEFAULT_FIELDS =
  'kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)';
