import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import {
  anyPattern,
  createPathFilter,
  globProblem,
  TEMPORARY_NAME_PATTERNS,
} from './ignore-rules.ts';

const defaults = { include: [], exclude: [], ignoreHidden: true, ignoreTemporary: true };

describe('ignore rules', () => {
  it('skips temporary names and OS clutter by default, at any depth', () => {
    const filter = createPathFilter(defaults);
    const ignored = [
      'movie.mp4.part',
      'a/b/setup.exe.crdownload',
      'x.download',
      'report.tmp',
      'docs/~$report.docx',
      '.~lock.sheet.ods#',
      'notes.txt.swp',
      '.DS_Store',
      'photos/Thumbs.db',
    ];
    for (const path of ignored) expect(filter.acceptsFile(path), path).toBe(false);
    expect(filter.acceptsFile('movie.mp4')).toBe(true);
    expect(filter.acceptsFile('a/b/setup.exe')).toBe(true);
    expect(TEMPORARY_NAME_PATTERNS).toContain('*.crdownload');
  });

  it('skips hidden files and everything inside hidden folders unless told otherwise', () => {
    const filter = createPathFilter(defaults);
    expect(filter.acceptsFile('.env')).toBe(false);
    expect(filter.acceptsFile('.git/config')).toBe(false);
    expect(filter.entersDir('.git')).toBe(false);
    const shown = createPathFilter({ ...defaults, ignoreHidden: false, ignoreTemporary: false });
    expect(shown.acceptsFile('.env')).toBe(true);
    expect(shown.entersDir('.git')).toBe(true);
    expect(shown.acceptsFile('movie.mp4.part')).toBe(true);
  });

  it('applies include and exclude globs to the path relative to the watched folder', () => {
    const filter = createPathFilter({
      ...defaults,
      include: ['*.jpg', 'raw/**/*.cr3'],
      exclude: ['cache', '**/*-thumb.jpg'],
    });
    expect(filter.acceptsFile('a/b/photo.jpg')).toBe(true);
    expect(filter.acceptsFile('raw/2026/img.cr3')).toBe(true);
    expect(filter.acceptsFile('img.cr3')).toBe(false);
    expect(filter.acceptsFile('a/photo-thumb.jpg')).toBe(false);
    expect(filter.acceptsFile('notes.txt')).toBe(false);
    // An excluded folder excludes what is in it, even when an event names only the file.
    expect(filter.entersDir('x/cache')).toBe(false);
    expect(filter.acceptsFile('x/cache/photo.jpg')).toBe(false);
  });

  it('matches a list of globs exactly as picomatch does, in one test', () => {
    const lists = [
      TEMPORARY_NAME_PATTERNS,
      ['*.jpg', '*.{png,gif}', 'IMG_????.cr3', '[abc]*.txt', '!*.keep', 'exact-name', '.hidden'],
      ['raw/**/*.cr3', 'cache/*', '**/*-thumb.jpg', 'a/b/c', '**/.git/**', 'x/{y,z}/*.md'],
    ];
    const inputs = [
      ...['movie.mp4.part', 'a.crdownload', 'x.download', 'r.tmp', '~$report.docx'],
      ...['.~lock.s.ods#', 'n.txt.swp', '.DS_Store', 'Thumbs.db', 'thumbs.db', 'movie.mp4'],
      ...['photo.jpg', 'photo.JPG', 'a.png', 'b.gif', 'IMG_1234.cr3', 'IMG_12345.cr3', 'a1.txt'],
      ...['d1.txt', 'x.keep', 'exact-name', 'exact-name2', '.hidden', 'part', '.part', ''],
      ...['raw/2026/img.cr3', 'raw/img.cr3', 'img.cr3', 'cache/a', 'cache/a/b', 'x/cache/a'],
      ...['p/q-thumb.jpg', 'q-thumb.jpg', 'a/b/c', 'a/b/c/d', 'r/.git/config', 'x/y/n.md'],
      ...['x/w/n.md', 'some dir/name with spaces.tmp', 'ünïcode/ファイル.part'],
    ];
    for (const globs of lists) {
      const ours = anyPattern(globs);
      const theirs = picomatch([...globs], { dot: true });
      for (const input of inputs) {
        expect(ours(input), `${input} against ${globs.join(' ')}`).toBe(Boolean(theirs(input)));
      }
    }
  });

  it('judges the entries of a listed folder as it judges their paths', () => {
    const options = [
      defaults,
      { ...defaults, ignoreHidden: false, ignoreTemporary: false },
      { ...defaults, include: ['*.jpg', 'raw/**/*.cr3'], exclude: ['cache', '**/*-thumb.jpg'] },
    ];
    const paths = [
      ...['a.jpg', 'a.tmp', '.env', 'raw', 'raw/2026', 'raw/2026/i.cr3', 'raw/.x/i.cr3'],
      ...['.git', '.git/config', '.git/objects', 'x/cache', 'x/cache/p.jpg', 'x/cache/sub'],
      ...['x/cache/sub/p.jpg', 'cache', 'cache/p.jpg', 'p/q-thumb.jpg', 'a/b/c.jpg'],
    ];
    for (const option of options) {
      const filter = createPathFilter(option);
      for (const path of paths) {
        const slash = path.lastIndexOf('/');
        const inFolder = filter.inFolder(slash < 0 ? '' : path.slice(0, slash));
        const name = path.slice(slash + 1);
        expect(inFolder.acceptsFile(name, path), path).toBe(filter.acceptsFile(path));
        expect(inFolder.entersDir(name, path), path).toBe(filter.entersDir(path));
      }
    }
  });

  it('refuses globs that cannot mean what was typed', () => {
    expect(globProblem('*.jpg')).toBeNull();
    expect(globProblem('raw/**/*.{cr2,cr3}')).toBeNull();
    expect(globProblem('[abc')).toMatch(/closing/);
    expect(globProblem('*.{jpg,png')).toMatch(/closing/);
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('/home/me/*.jpg')).toMatch(/relative/);
  });
});
