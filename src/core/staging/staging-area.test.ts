import { mkdir, readdir, readFile, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { MAX_NAME_BYTES } from './safe-file-name.ts';
import { StagingArea, StagingError } from './staging-area.ts';

const tempDir = useTempDir();

async function area(options: { maxFileBytes?: number } = {}): Promise<StagingArea> {
  return new StagingArea({ dir: join(await tempDir(), 'data', 'staging'), ...options });
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function refusal(promise: Promise<unknown>): Promise<StagingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StagingError);
  return error as StagingError;
}

describe('StagingArea', () => {
  it('keeps the bytes under their own name, in a 0700 folder only the owner can read', async () => {
    const staging = await area();
    const path = await staging.stage(
      Readable.from([Buffer.from('hello '), Buffer.from('drive')]),
      'report 2026.pdf',
      {
        expectedBytes: 11,
      },
    );
    expect(basename(path)).toBe('report 2026.pdf');
    expect(await readFile(path, 'utf8')).toBe('hello drive');
    expect((await stat(staging.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(dirname(dirname(path))).toBe(staging.dir);
  });

  it('gives two files of the same name a folder each', async () => {
    const staging = await area();
    const a = await staging.stage(Readable.from(['a']), 'same.txt');
    const b = await staging.stage(Readable.from(['b']), 'same.txt');
    expect(a).not.toBe(b);
    expect([await readFile(a, 'utf8'), await readFile(b, 'utf8')]).toEqual(['a', 'b']);
  });

  it.each([
    ['../../../etc/passwd', 'passwd'],
    ['..\\..\\boot.ini', 'boot.ini'],
    ['a\u0000b\nc.txt', 'a_b_c.txt'],
    ['what?<is>this*.txt', 'what__is_this_.txt'],
    ['CON.txt', '_CON.txt'],
    ['trailing dots. . .', 'trailing dots'],
    ['e\u0301te\u0301.txt', 'été.txt'],
  ])(
    'makes the hostile name %j safe (%s) and keeps it inside the staging folder',
    async (name, safe) => {
      const staging = await area();
      const path = await staging.stage(Readable.from(['x']), name);
      expect(basename(path)).toBe(safe);
      expect(dirname(dirname(path))).toBe(staging.dir);
    },
  );

  it('shortens a very long name, keeping its extension', async () => {
    const staging = await area();
    const path = await staging.stage(Readable.from(['x']), `${'é'.repeat(300)}.tar.gz`);
    expect(Buffer.byteLength(basename(path))).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(basename(path)).toMatch(/^é+\.gz$/);
  });

  it.each(['', '..', '.', '   ', 'dir/'])('refuses the name %j', async (name) => {
    const staging = await area();
    const error = await refusal(staging.stage(Readable.from(['x']), name));
    expect(error.reason).toBe('bad-name');
    expect(await filesIn(staging.dir)).toEqual([]);
  });

  it('refuses a file over the size limit, announced or not, and leaves nothing behind', async () => {
    const staging = await area({ maxFileBytes: 10 });
    const announced = await refusal(
      staging.stage(Readable.from([Buffer.alloc(20)]), 'big.bin', { expectedBytes: 20 }),
    );
    expect(announced.reason).toBe('too-large');
    const streamed = await refusal(
      staging.stage(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), 'big.bin'),
    );
    expect(streamed.reason).toBe('too-large');
    expect(streamed.message).toMatch(/larger than the 10 B/);
    expect(await filesIn(staging.dir)).toEqual([]);
  });

  it('refuses a file the disk has no room for before writing a byte', async () => {
    const staging = await area();
    const disk = await statfs(dirname(dirname(staging.dir)));
    const moreThanFree = disk.bavail * disk.bsize + 1;
    const error = await refusal(
      staging.stage(Readable.from([Buffer.alloc(1)]), 'huge.iso', { expectedBytes: moreThanFree }),
    );
    expect(error.reason).toBe('disk-full');
    expect(error.message).toMatch(/^Not enough free disk space on this machine for .+ free in /);
    expect(await filesIn(staging.dir)).toEqual([]);
  });

  it('drops a file whose sender stopped half way, or sent less than announced', async () => {
    const staging = await area();
    const broken = new Readable({ read() {} });
    broken.push(Buffer.alloc(5));
    setImmediate(() => broken.destroy(new Error('connection reset')));
    await expect(staging.stage(broken, 'half.bin')).rejects.toThrow('connection reset');
    const short = await refusal(
      staging.stage(Readable.from([Buffer.alloc(5)]), 'short.bin', { expectedBytes: 9 }),
    );
    expect(short.reason).toBe('incomplete');
    expect(await filesIn(staging.dir)).toEqual([]);
  });

  it('releases a staged file and refuses paths it did not hand out', async () => {
    const staging = await area();
    const path = await staging.stage(Readable.from(['x']), 'done.txt');
    await staging.release(path);
    expect(await filesIn(staging.dir)).toEqual([]);
    const outside = join(dirname(staging.dir), 'settings.json');
    await writeFile(outside, '{}');
    await expect(staging.release(outside)).rejects.toThrow(/not a staged file/);
    await expect(staging.release(join(staging.dir, '..', '..', 'x', 'y'))).rejects.toThrow();
    expect(await readFile(outside, 'utf8')).toBe('{}');
  });

  it('sweeps leftovers at start but keeps files still queued', async () => {
    const staging = await area();
    const queued = await staging.stage(Readable.from(['q']), 'queued.txt');
    const leftover = await staging.stage(Readable.from(['l']), 'leftover.txt');
    await mkdir(join(staging.dir, 'not-ours'));
    expect(await staging.sweep((path) => path === queued)).toBe(1);
    expect(await filesIn(staging.dir)).toEqual([queued]);
    expect((await readdir(staging.dir)).sort()).toContain('not-ours');
    expect(leftover).not.toBe(queued);
    expect(await new StagingArea({ dir: join(staging.dir, 'absent') }).sweep()).toBe(0);
  });
});
