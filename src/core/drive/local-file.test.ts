import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { LocalFile } from './local-file.ts';
import { UploadError } from './uploader.ts';

const run = (command: string, ...args: string[]) => promisify(execFile)(command, args);

async function failure(promise: Promise<unknown>): Promise<UploadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UploadError);
  return error as UploadError;
}

const signal = new AbortController().signal;

describe('LocalFile', () => {
  const tempDir = useTempDir();

  it('reads past 4 GiB (a sparse file: nothing is written but the marker)', async () => {
    const path = join(await tempDir(), 'huge.img');
    const marker = Buffer.from('end of a very large file');
    const at = 4.5 * 1024 ** 3;
    const handle = await open(path, 'w');
    await handle.write(marker, 0, marker.length, at);
    await handle.close();
    const { size, mtimeMs } = await stat(path);

    const file = await LocalFile.open({ path, name: 'huge.img', expected: { size, mtimeMs } });
    const pieces: Buffer[] = [];
    for await (const piece of file.range(at, size, { pieceSize: 10, signal })) pieces.push(piece);
    await file.close();

    expect(size).toBe(at + marker.length);
    expect(Buffer.concat(pieces).toString()).toBe(marker.toString());
  });

  it('hashes each byte once however often it is sent', async () => {
    const path = join(await tempDir(), 'a.bin');
    const bytes = Buffer.from('0123456789abcdefghij');
    await writeFile(path, bytes);
    const { size, mtimeMs } = await stat(path);
    const file = await LocalFile.open({ path, name: 'a.bin', expected: { size, mtimeMs } });

    const drain = async (start: number, end: number) => {
      for await (const _ of file.range(start, end, { pieceSize: 3, signal }));
    };
    await drain(0, 8);
    await drain(4, 12); // a chunk sent again from a confirmed offset behind what was read
    const md5 = await file.md5(signal);
    await file.close();

    expect(md5).toBe(createHash('md5').update(bytes).digest('hex'));
  });

  it('gives each chunk its bytes when consecutive ranges differ in piece size', async () => {
    const path = join(await tempDir(), 'chunks.bin');
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    await writeFile(path, bytes);
    const { size, mtimeMs } = await stat(path);
    const file = await LocalFile.open({ path, name: 'chunks.bin', expected: { size, mtimeMs } });

    const read = async (start: number, end: number, pieceSize: number) => {
      const pieces: Buffer[] = [];
      for await (const piece of file.range(start, end, { pieceSize, signal })) pieces.push(piece);
      return Buffer.concat(pieces);
    };
    // A short range after a full one (a resend from where Drive says it stands), then a bandwidth
    // cap changing the piece size: neither may take the piece read ahead as it is.
    const sent = [
      await read(0, 32, 8),
      await read(32, 64, 8),
      await read(64, 68, 8),
      await read(68, 100, 5),
    ];
    const md5 = await file.md5(signal);
    await file.close();

    expect(Buffer.concat(sent)).toEqual(bytes);
    expect(md5).toBe(createHash('md5').update(bytes).digest('hex'));
  });

  it('sees a change whose mtime was put back (touch -r): ctime cannot be', async () => {
    const dir = await tempDir();
    const path = join(dir, 'edited.txt');
    await writeFile(path, 'version one');
    await run('touch', '-r', path, join(dir, 'times'));
    const { size, mtimeMs } = await stat(path);
    const file = await LocalFile.open({ path, name: 'edited.txt', expected: { size, mtimeMs } });
    await file.readAll(signal);
    await writeFile(path, 'version two');
    await run('touch', '-r', join(dir, 'times'), path);

    const error = await failure(file.assertUnchanged());
    await file.close();

    expect(error.kind).toBe('changed');
  });

  it('opens a FIFO without waiting for a writer, and refuses it as no regular file', async () => {
    const path = join(await tempDir(), 'f.txt');
    await run('mkfifo', path);

    const error = await failure(
      LocalFile.open({ path, name: 'f.txt', expected: { size: 0, mtimeMs: 0 } }),
    );

    expect([error.kind, error.message]).toEqual([
      'permanent',
      `${path} is no longer a regular file`,
    ]);
  });

  it('refuses a socket in place of the file the same way', async () => {
    const path = join(await tempDir(), 's.txt');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const error = await failure(
        LocalFile.open({ path, name: 's.txt', expected: { size: 0, mtimeMs: 0 } }),
      );
      expect(error.message).toBe(`${path} is no longer a regular file`);
    } finally {
      server.close();
    }
  });

  it('refuses a link where the source follows none, and a link out of a folder that follows them', async () => {
    const top = await tempDir();
    const folder = join(top, 'drop');
    await mkdir(folder);
    const outside = join(top, 'secret');
    await writeFile(outside, 'secret');
    const { size, mtimeMs } = await stat(outside);
    const path = join(folder, 'a.txt');
    await symlink(outside, path);
    const open = (followLinks: boolean) =>
      LocalFile.open({
        path,
        name: 'a.txt',
        expected: { size, mtimeMs },
        scope: { foundIn: folder, followLinks },
      });

    expect((await failure(open(false))).message).toBe(
      `${path} is now a symbolic link; links in ${folder} are not followed, so it was not uploaded`,
    );
    expect((await failure(open(true))).message).toMatch(/outside .*drop; links are followed only/);
    // Named by a person, the same link is followed.
    const named = await LocalFile.open({ path, name: 'a.txt', expected: { size, mtimeMs } });
    expect((await named.readAll(signal)).toString()).toBe('secret');
    await named.close();
    await rm(path);
  });
});
