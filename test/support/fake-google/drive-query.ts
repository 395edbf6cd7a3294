import { DriveError } from './http-io.ts';
import type { FakeFile } from './store.ts';

export type Predicate = (file: FakeFile) => boolean;

type Token = { kind: 'string'; value: string } | { kind: 'word' | 'op'; value: string };

/**
 * Parses the subset of Drive's `q` language an uploader uses:
 *   name = 'x' | name != 'x' | name contains 'x'   (strings take \' and \\ escapes)
 *   mimeType = '…' | mimeType != '…'
 *   trashed = true|false | starred = true|false
 *   '<id>' in parents                               ('root' is the My Drive alias)
 *   appProperties has { key='k' and value='v' }     (and `properties has …`)
 * joined by `and`, `or`, `not` and parentheses. Anything else is a 400 like Drive's "Invalid Value".
 */
export function parseQuery(q: string, resolveId: (id: string) => string): Predicate {
  const tokens = tokenize(q);
  let pos = 0;
  const fail = (): never => {
    throw new DriveError(400, 'invalidQuery', 'Invalid Value');
  };
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => tokens[pos++] ?? fail();
  const isWord = (token: Token | undefined, word: string): boolean =>
    token?.kind === 'word' && token.value.toLowerCase() === word.toLowerCase();
  const expectWord = (word: string): void => {
    if (!isWord(next(), word)) fail();
  };
  const expectOp = (op: string): void => {
    const token = next();
    if (token.kind !== 'op' || token.value !== op) fail();
  };
  const string = (): string => {
    const token = next();
    return token.kind === 'string' ? token.value : fail();
  };
  const boolean = (): boolean => {
    const token = next();
    if (isWord(token, 'true')) return true;
    if (isWord(token, 'false')) return false;
    return fail();
  };
  const equality = (): boolean => {
    const token = next();
    if (token.kind === 'op' && (token.value === '=' || token.value === '!=')) {
      return token.value === '=';
    }
    return fail();
  };

  const condition = (): Predicate => {
    const first = next();
    if (first.kind === 'string') {
      expectWord('in');
      expectWord('parents');
      const parent = resolveId(first.value);
      return (f) => f.parents.includes(parent);
    }
    if (first.kind !== 'word') return fail();
    switch (first.value) {
      case 'name':
      case 'mimeType': {
        const key = first.value;
        if (isWord(peek(), 'contains')) {
          pos++;
          const needle = string().toLowerCase();
          return (f) => f[key].toLowerCase().includes(needle);
        }
        const equal = equality();
        const value = string();
        return (f) => (f[key] === value) === equal;
      }
      case 'trashed':
      case 'starred': {
        const key = first.value;
        const equal = equality();
        const value = boolean();
        return (f) => (f[key] === value) === equal;
      }
      case 'appProperties':
      case 'properties': {
        const key = first.value;
        expectWord('has');
        expectOp('{');
        expectWord('key');
        expectOp('=');
        const name = string();
        expectWord('and');
        expectWord('value');
        expectOp('=');
        const value = string();
        expectOp('}');
        return (f) => f[key][name] === value;
      }
      default:
        return fail();
    }
  };
  const unary = (): Predicate => {
    if (isWord(peek(), 'not')) {
      pos++;
      const inner = unary();
      return (f) => !inner(f);
    }
    const token = peek();
    if (token?.kind === 'op' && token.value === '(') {
      pos++;
      const inner = or();
      expectOp(')');
      return inner;
    }
    return condition();
  };
  const and = (): Predicate => {
    const parts = [unary()];
    while (isWord(peek(), 'and')) {
      pos++;
      parts.push(unary());
    }
    return (f) => parts.every((p) => p(f));
  };
  const or = (): Predicate => {
    const parts = [and()];
    while (isWord(peek(), 'or')) {
      pos++;
      parts.push(and());
    }
    return (f) => parts.some((p) => p(f));
  };

  if (tokens.length === 0) return () => true;
  const predicate = or();
  if (pos !== tokens.length) fail();
  return predicate;
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        const ch = q[i];
        if (ch === undefined) throw new DriveError(400, 'invalidQuery', 'Invalid Value');
        if (ch === '\\') {
          value += q[i + 1] ?? '';
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (c === '!' && q[i + 1] === '=') {
      tokens.push({ kind: 'op', value: '!=' });
      i += 2;
    } else if ('=(){}'.includes(c)) {
      tokens.push({ kind: 'op', value: c });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < q.length && /[A-Za-z0-9_]/.test(q[i] ?? '')) i++;
      tokens.push({ kind: 'word', value: q.slice(start, i) });
    } else {
      throw new DriveError(400, 'invalidQuery', 'Invalid Value');
    }
  }
  return tokens;
}
