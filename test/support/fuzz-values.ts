/**
 * Malformed and pseudo-random values for throwing at an API. Everything is deterministic: the same
 * seed gives the same values, so a failure found once is found again on every run.
 */

/** mulberry32: a tiny 32-bit PRNG, good enough to pick values and reproducible from its seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LabelledValue {
  label: string;
  value: unknown;
}

export const ONE_MEBIBYTE_STRING = 'x'.repeat(1024 * 1024);

/** A chain `depth` levels deep. Each level holds its child once: shared children would make a
 * DAG whose serialisation doubles at every level. */
function nested(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) value = i % 2 ? { nested: value } : { list: [value] };
  return value;
}

/**
 * The fixed list: wrong types, extreme numbers, hostile strings and paths, pollution keys. Built
 * fresh on each call so that no test can mutate another's values.
 */
export function malformedValues(): LabelledValue[] {
  const values: LabelledValue[] = [
    { label: 'undefined', value: undefined },
    { label: 'null', value: null },
    { label: 'zero', value: 0 },
    { label: 'negative number', value: -1 },
    { label: 'fraction', value: 1.5 },
    { label: 'negative zero', value: -0 },
    { label: 'NaN', value: Number.NaN },
    { label: 'Infinity', value: Number.POSITIVE_INFINITY },
    { label: '-Infinity', value: Number.NEGATIVE_INFINITY },
    { label: 'beyond safe integers', value: Number.MAX_SAFE_INTEGER * 4 },
    { label: 'bigint', value: 12345678901234567890n },
    { label: 'true', value: true },
    { label: 'false', value: false },
    { label: 'empty string', value: '' },
    { label: 'blank string', value: '   ' },
    { label: 'word', value: 'hello' },
    { label: '1 MiB string', value: ONE_MEBIBYTE_STRING },
    { label: 'relative path', value: 'relative/file.txt' },
    { label: 'dot-dot path', value: '../../etc/passwd' },
    { label: 'path with NUL', value: '/tmp/evil\0.txt' },
    { label: 'NUL', value: '\0' },
    { label: 'control characters', value: '\u0001\u001b[31m\r\n' },
    { label: 'lone surrogate', value: '\ud800' },
    { label: 'FTS syntax', value: '"unbalanced NEAR( * OR -x:' },
    { label: 'SQL', value: "'; DROP TABLE jobs; --" },
    { label: 'numeric string', value: '42' },
    { label: 'date string', value: '2026-02-30T25:61:00Z' },
    { label: 'empty array', value: [] },
    { label: 'array of numbers', value: [1, 2, 3] },
    { label: 'array of null', value: [null] },
    { label: 'array of huge strings', value: [ONE_MEBIBYTE_STRING] },
    { label: 'array of 10,000 items', value: Array.from({ length: 10_000 }, (_, i) => `/x/${i}`) },
    { label: 'empty object', value: {} },
    { label: 'deeply nested object', value: nested(200) },
    { label: '__proto__ key', value: JSON.parse('{"__proto__": {"polluted": true}}') as unknown },
    { label: 'constructor key', value: { constructor: { prototype: { polluted: true } } } },
    { label: 'unknown extra key', value: { unknownExtraKey: 1 } },
    { label: 'invalid date', value: new Date(Number.NaN) },
    { label: 'epoch date', value: new Date(0) },
    { label: 'far-future date', value: new Date(8.64e15) },
    { label: 'Map', value: new Map([['id', 'x']]) },
    { label: 'Set', value: new Set(['x']) },
    { label: 'RegExp', value: /.*/g },
  ];
  return values;
}

const STRING_ATOMS = [
  '',
  'a',
  'Ω',
  '😀',
  '\0',
  '/',
  '\\',
  '..',
  '.',
  '~',
  '*',
  '**/',
  '{',
  '}',
  '[',
  '"',
  "'",
  ':',
  '-',
  ' ',
  'NEAR',
  'OR',
  '%',
  '$',
  '\n',
  '\ud83d',
  '{machine}',
  '{yyyy}',
  'id',
  '.',
];

/**
 * A JSON-ish value (plus the types superjson carries: undefined, NaN, dates, bigint) built from
 * `random`. Object keys are drawn from `keys` (the procedure's own field names) and a few hostile
 * ones, so that random inputs reach past the first "unknown key" check now and then.
 */
export function randomValue(random: () => number, keys: readonly string[], depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const kinds = depth > 3 ? 8 : 11;
  switch (Math.floor(random() * kinds)) {
    case 0:
      return pick([undefined, null, true, false]);
    case 1:
      return Math.floor((random() - 0.5) * 2 ** (1 + random() * 60));
    case 2:
      return pick([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        random(),
        -random() * 1e9,
      ]);
    case 3:
    case 4: {
      const length = Math.floor(random() * 12);
      let text = random() < 0.3 ? '/' : '';
      for (let i = 0; i < length; i++) text += pick(STRING_ATOMS);
      return text;
    }
    case 5:
      return pick([
        new Date(Math.floor(random() * 4e12)),
        new Date(Number.NaN),
        new Date(-8.64e15),
        new Date(random() * 4e12).toISOString(),
      ]);
    case 6:
      return BigInt(Math.floor(random() * 1e6)) * (random() < 0.5 ? -1n : 1n);
    case 7:
      return pick(keys.length ? keys : ['id']);
    case 8:
    case 9: {
      const length = Math.floor(random() * 5);
      return Array.from({ length }, () => randomValue(random, keys, depth + 1));
    }
    default: {
      const objectKeys = [...keys, '__proto__', 'constructor', 'prototype', 'toString', 'x'];
      const size = Math.floor(random() * 5);
      const object: Record<string, unknown> = {};
      for (let i = 0; i < size; i++) {
        const key = pick(objectKeys);
        // defineProperty, so that "__proto__" becomes an own key (as JSON.parse makes it).
        Object.defineProperty(object, key, {
          value: randomValue(random, keys, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
  }
}

/** A short description of a value for failure messages (never the whole 1 MiB). */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v === undefined ? '<undefined>' : v,
    );
  } catch {
    text = String(value);
  }
  text ??= String(value);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}
