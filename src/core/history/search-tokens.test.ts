import { describe, expect, it } from 'vitest';
import { termsOf } from './mongo-terms.ts';
import { parseTextQuery, recordWords, words } from './search-tokens.ts';

describe('search tokens', () => {
  it('folds case, accents, compatibility forms and unmarked letters', () => {
    expect(words('Résumé_ÉTÉ-2026 ＡＢＣ ﬁle Straße Łódź Ærø')).toEqual([
      'resume',
      'ete',
      '2026',
      'abc',
      'file',
      'strasse',
      'lodz',
      'aero',
    ]);
  });

  it('indexes the distinct words of the name, folder and path', () => {
    expect(
      recordWords({ name: 'IMG_1.jpg', folderPath: 'DriveUp/lab', path: '/home/lab/IMG_1.jpg' }),
    ).toEqual(['img', '1', 'jpg', 'driveup', 'lab', 'home']);
  });

  it('keeps the last word typed as the prefix, even when it was typed before', () => {
    expect(parseTextQuery('Plate reader PLATE')).toEqual({
      whole: ['plate', 'reader'],
      prefix: 'plate',
    });
    expect(parseTextQuery(' .- ')).toBeNull();
  });

  it('stores whole words and starred prefixes for MongoDB', () => {
    expect(termsOf(['abc'])).toEqual(['abc', 'a*', 'ab*', 'abc*']);
  });
});
