import { describe, expect, it } from 'vitest';
import { goneFromDrive, LOOKUP_LIMIT, type IsInDrive } from './gone-from-drive.ts';

const uploads = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `job${i}`, driveFileId: `file${i}` }));

describe('goneFromDrive', () => {
  it('names only the uploads Drive answered are gone; a failed lookup leaves one as known', async () => {
    const answers: Record<string, boolean | Error> = {
      file0: false,
      file1: true,
      file2: new Error('offline'),
      file3: false,
    };
    const isInDrive: IsInDrive = async (fileId) => {
      const answer = answers[fileId]!;
      if (answer instanceof Error) throw answer;
      return answer;
    };

    const gone = await goneFromDrive(
      [...uploads(4), { id: 'never-uploaded', driveFileId: null }],
      isInDrive,
    );

    expect([...gone].sort()).toEqual(['job0', 'job3']);
  });

  it(`looks up at most ${LOOKUP_LIMIT} files, 8 at a time`, async () => {
    let out = 0;
    let most = 0;
    const asked: string[] = [];
    const isInDrive: IsInDrive = async (fileId) => {
      asked.push(fileId);
      most = Math.max(most, ++out);
      await Promise.resolve();
      out--;
      return false;
    };

    const gone = await goneFromDrive(uploads(LOOKUP_LIMIT + 5), isInDrive);

    expect(asked).toHaveLength(LOOKUP_LIMIT);
    expect(gone.size).toBe(LOOKUP_LIMIT);
    expect(most).toBe(8);
  });

  it('answers by its deadline when Drive does not, the unanswered left as known', async () => {
    const isInDrive: IsInDrive = (fileId, signal) =>
      fileId === 'file0'
        ? Promise.resolve(false)
        : new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

    const gone = await goneFromDrive(uploads(3), isInDrive, 50);

    expect([...gone]).toEqual(['job0']);
  });
});
