/** One problem with a request's input, as a person fixing the call needs it. */
export interface InputIssue {
  /** Dotted path of the offending field, such as `folder` or `rules.0.pattern`; `input` for the whole input. */
  field: string;
  message: string;
}

/** The issue shape zod errors and Standard Schema failures share. */
interface SchemaIssue {
  message: string;
  code?: string;
  /** zod's `invalid_type`: the type the field takes. */
  expected?: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

/**
 * The issues of a validation error: a `ZodError`, or the Standard Schema error tRPC throws for
 * other validators. Anything else (including errors without issues) gives `undefined`.
 */
export function schemaIssuesOf(cause: unknown): readonly SchemaIssue[] | undefined {
  const issues = (cause as { issues?: unknown } | null | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  return issues.every((issue) => typeof (issue as SchemaIssue)?.message === 'string')
    ? (issues as SchemaIssue[])
    : undefined;
}

/**
 * One clear message per field. zod v4 words a missing field as "Invalid input: expected string,
 * received undefined"; people (and the CLI) read "Required" more easily, so a field absent from
 * the raw input is reported that way. Only the first issue of a field is kept: the others are
 * usually consequences of it.
 */
export function inputIssues(issues: readonly SchemaIssue[], rawInput: unknown): InputIssue[] {
  const byField = new Map<string, string>();
  for (const issue of issues) {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? segment.key : segment,
    );
    const field = path.length ? path.map(String).join('.') : 'input';
    if (byField.has(field)) continue;
    byField.set(field, wordIssue(issue, valueAt(rawInput, path)));
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

/**
 * zod words a wrong type "Invalid input: expected number, received string": which string is what
 * the person needs to see ("expected a number, got "abc"").
 */
function wordIssue(issue: SchemaIssue, value: unknown): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (value === undefined) return 'Required';
  const expected = issue.expected ?? '';
  return `expected ${TYPE_WORDS[expected] ?? expected}, got ${shownValue(value)}`;
}

/** What was given, short and safe whatever it is (a huge string, a 10,000-deep object). */
function shownValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(clip(value, 60));
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  string: 'text',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};

/** Fields named in a message; the rest are counted. A list of 10,000 bad paths needs one line. */
const MESSAGE_FIELDS = 5;
const MESSAGE_ISSUE_CHARS = 300;

/** `folder: Required; retries: Too small: expected number to be >=0` */
export function inputIssuesMessage(issues: readonly InputIssue[]): string {
  const shown = issues
    .slice(0, MESSAGE_FIELDS)
    .map((issue) => `${issue.field}: ${clip(issue.message, MESSAGE_ISSUE_CHARS)}`);
  const more = issues.length - shown.length;
  if (more > 0) shown.push(`and ${more} more problem${more === 1 ? '' : 's'}`);
  return shown.join('; ');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
