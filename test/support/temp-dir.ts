import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * A fresh directory per test, removed afterwards. Kept short because Unix socket paths
 * inside it must stay under ~100 bytes.
 */
export function useTempDir(): () => Promise<string> {
  const created: string[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'du-'));
    created.push(dir);
    return dir;
  };
}
