import { describe, expect, it } from 'vitest';
import { parseQuery } from './drive-query.ts';
import { FOLDER_MIME, newFileResource, type FakeFile } from './store.ts';

function file(name: string, mimeType: string, parents: string[], extra: Partial<FakeFile> = {}) {
  return { ...newFileResource({ id: name, name, mimeType, parents }), ...extra };
}

const files = [
  file("it's", FOLDER_MIME, ['ROOT'], { appProperties: { role: 'root' } }),
  file('a.txt', 'text/plain', ["it's"], { trashed: true }),
  file('b.txt', 'text/plain', ["it's"], { properties: { k: 'v' } }),
];
const run = (q: string): string[] =>
  files.filter(parseQuery(q, (id) => (id === 'root' ? 'ROOT' : id))).map((f) => f.name);

describe('parseQuery', () => {
  it('evaluates the forms an uploader uses', () => {
    expect(run('')).toEqual(["it's", 'a.txt', 'b.txt']);
    expect(run("name = 'it\\'s'")).toEqual(["it's"]);
    expect(run("name != 'a.txt' and trashed = false")).toEqual(["it's", 'b.txt']);
    expect(run("'root' in parents")).toEqual(["it's"]);
    expect(run("'it\\'s' in parents and trashed=false")).toEqual(['b.txt']);
    expect(run(`mimeType = '${FOLDER_MIME}'`)).toEqual(["it's"]);
    expect(run("appProperties has { key='role' and value='root' }")).toEqual(["it's"]);
    expect(run("properties has {key='k' and value='v'}")).toEqual(['b.txt']);
    expect(run("name contains 'TXT' and not trashed = true")).toEqual(['b.txt']);
    expect(run("(name = 'a.txt' or name = 'b.txt') and trashed = false")).toEqual(['b.txt']);
  });

  it('throws a 400 invalidQuery for anything else', () => {
    for (const q of [
      "name = 'x",
      "size = '1'",
      "name = 'x' and",
      'trashed = maybe',
      "name = 'x')",
    ]) {
      expect(() => run(q), q).toThrow(
        expect.objectContaining({ status: 400, reason: 'invalidQuery' }),
      );
    }
  });
});
