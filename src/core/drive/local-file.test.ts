import { createHash } from 'node:crypto';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { LocalFile } from './local-file.ts';

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

    const file = await LocalFile.open(path, 'huge.img', { size, mtimeMs });
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
    const file = await LocalFile.open(path, 'a.bin', { size, mtimeMs });

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
    const file = await LocalFile.open(path, 'chunks.bin', { size, mtimeMs });

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
});
