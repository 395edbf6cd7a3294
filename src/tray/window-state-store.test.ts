import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.ts';
import { WindowStateStore } from './window-state-store.ts';

const tempDir = useTempDir();

describe('WindowStateStore', () => {
  it('remembers places across starts', async () => {
    const file = join(await tempDir(), 'windows.json');
    const store = new WindowStateStore(file);
    await store.load();
    await store.remember('activity', { x: 10.4, y: 20, width: 800, height: 600 });
    const again = new WindowStateStore(file);
    await again.load();
    expect(again.get('activity')).toEqual({ x: 10, y: 20, width: 800, height: 600 });
  });

  it('keeps what is valid of a damaged or hand-edited file, and never fails on it', async () => {
    const file = join(await tempDir(), 'windows.json');
    await writeFile(
      file,
      JSON.stringify({
        activity: { x: 1, y: 2, width: 700, height: 500 },
        history: { width: 'wide', height: 5 },
        upload: { width: 1e9, height: 500 },
      }),
    );
    const store = new WindowStateStore(file);
    await store.load();
    expect(store.get('activity')).toEqual({ x: 1, y: 2, width: 700, height: 500 });
    expect(store.get('history')).toBeUndefined();
    expect(store.get('upload')).toBeUndefined();
    await writeFile(file, '{ not json');
    await new WindowStateStore(file).load();
    await store.remember('history', { width: 720, height: 520 });
    expect(JSON.parse(await readFile(file, 'utf8')).history).toEqual({ width: 720, height: 520 });
  });
});
