import { describe, expect, it } from 'vitest';
import { createPathFilter, globProblem, TEMPORARY_NAME_PATTERNS } from './ignore-rules.ts';

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

  it('refuses globs that cannot mean what was typed', () => {
    expect(globProblem('*.jpg')).toBeNull();
    expect(globProblem('raw/**/*.{cr2,cr3}')).toBeNull();
    expect(globProblem('[abc')).toMatch(/closing/);
    expect(globProblem('*.{jpg,png')).toMatch(/closing/);
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('/home/me/*.jpg')).toMatch(/relative/);
  });
});
