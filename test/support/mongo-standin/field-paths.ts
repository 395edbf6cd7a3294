import { isDoc, type Doc } from './document.ts';

/**
 * Every value a dotted path reaches, descending through arrays as a multikey index does: an array
 * at the end contributes its elements, an array on the way is searched element by element.
 * A missing field contributes nothing.
 */
export function valuesAtPath(doc: Doc, path: string): unknown[] {
  const found: unknown[] = [];
  collect(doc, path.split('.'), 0, found);
  return found;
}

function collect(value: unknown, segments: string[], depth: number, found: unknown[]): void {
  if (depth === segments.length) {
    if (Array.isArray(value)) found.push(...value);
    else found.push(value);
    return;
  }
  const segment = segments[depth]!;
  if (Array.isArray(value)) {
    const position = Number(segment);
    if (Number.isInteger(position) && position >= 0 && position < value.length) {
      collect(value[position], segments, depth + 1, found);
    }
    for (const element of value) if (isDoc(element)) collect(element, segments, depth, found);
    return;
  }
  if (isDoc(value) && Object.hasOwn(value, segment))
    collect(value[segment], segments, depth + 1, found);
}

/** Whether the path passes through or ends at an array, which makes an index on it multikey. */
export function reachesArray(doc: Doc, path: string): boolean {
  let values: unknown[] = [doc];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const value of values) {
      if (Array.isArray(value)) return true;
      if (isDoc(value) && Object.hasOwn(value, segment)) next.push(value[segment]);
    }
    values = next;
  }
  return values.some(Array.isArray);
}

/** Sets a dotted path, creating the objects on the way, as an upsert seeds a document from its filter. */
export function setPath(doc: Doc, path: string, value: unknown): void {
  const segments = path.split('.');
  let target = doc;
  for (const segment of segments.slice(0, -1)) {
    const child = target[segment];
    if (!isDoc(child)) target[segment] = {};
    target = target[segment] as Doc;
  }
  target[segments[segments.length - 1]!] = value;
}
