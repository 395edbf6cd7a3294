import { createHash } from 'node:crypto';
import { open, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { ReadAhead } from './read-ahead.ts';
import type { ReadAheadHint } from './uploader.ts';

const tempDir = useTempDir();
const never = new AbortController().signal;

async function smallFile(
  name: string,
  size: number,
): Promise<{ hint: ReadAheadHint; bytes: Buffer }> {
  const path = join(await tempDir(), name);
  const bytes = Buffer.alloc(size, name);
  await writeFile(path, bytes);
  const { mtimeMs } = await stat(path);
  return { hint: { jobId: `job-${name}`, path, name, expected: { size, mtimeMs } }, bytes };
}

/** Rewrites the file in place with other bytes, keeping its size and mtime. */
async function rewriteInPlace(hint: ReadAheadHint): Promise<void> {
  const handle = await open(hint.path, 'r+');
  await handle.write(Buffer.alloc(hint.expected.size, 'x'), 0, hint.expected.size, 0);
  await handle.close();
  const mtime = new Date(hint.expected.mtimeMs);
  await utimes(hint.path, mtime, mtime);
}

describe('ReadAhead', () => {
  it('holds a small file read at hint time, with its hash, for the job that takes it', async () => {
    const { hint, bytes } = await smallFile('a.txt', 10_000);
    const ahead = new ReadAhead({ maxFiles: 4, maxFileBytes: 256 * 1024 });
    await ahead.hint(hint);
    // What the file holds after the hint cannot reach the held bytes: they were read at hint time.
    await rewriteInPlace(hint);

    const file = await ahead.take(hint);

    expect(file).toBeDefined();
    expect((await file!.readAll(never)).equals(bytes)).toBe(true);
    expect(await file!.md5(never)).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(await ahead.take(hint)).toBeUndefined(); // taken once
  });

  it('gives nothing for a job whose file is not the version hinted', async () => {
    const { hint } = await smallFile('b.txt', 100);
    const ahead = new ReadAhead({ maxFiles: 4, maxFileBytes: 256 * 1024 });
    await ahead.hint(hint);

    const requeued = { ...hint, expected: { size: 104, mtimeMs: hint.expected.mtimeMs + 5 } };
    expect(await ahead.take(requeued)).toBeUndefined();
  });

  it('reads nothing larger than its limit and holds at most maxFiles, dropping the oldest', async () => {
    const big = await smallFile('big.bin', 2048);
    const files = await Promise.all(['1', '2', '3'].map((n) => smallFile(`${n}.txt`, 10)));
    const ahead = new ReadAhead({ maxFiles: 2, maxFileBytes: 1024 });
    await ahead.hint(big.hint);
    for (const { hint } of files) await ahead.hint(hint);

    expect(await ahead.take(big.hint)).toBeUndefined();
    expect(await ahead.take(files[0]!.hint)).toBeUndefined();
    expect(await ahead.take(files[1]!.hint)).toBeDefined();
    expect(await ahead.take(files[2]!.hint)).toBeDefined();
  });

  it('leaves a file it could not read to the upload, which opens it and says why', async () => {
    const { hint } = await smallFile('gone.txt', 10);
    await rm(hint.path);
    const ahead = new ReadAhead({ maxFiles: 4, maxFileBytes: 1024 });

    await expect(ahead.hint(hint)).resolves.toBeUndefined();
    expect(await ahead.take(hint)).toBeUndefined();
  });

  it('does not read a file twice for the same job', async () => {
    const { hint, bytes } = await smallFile('twice.txt', 10);
    const ahead = new ReadAhead({ maxFiles: 4, maxFileBytes: 1024 });
    await ahead.hint(hint);
    await rewriteInPlace(hint);
    await ahead.hint(hint);

    expect((await (await ahead.take(hint))!.readAll(never)).equals(bytes)).toBe(true);
  });
});
