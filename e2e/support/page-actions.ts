import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { FakeGoogle, FakeGoogleState } from '../../test/support/fake-google/index.ts';

export interface TestFile {
  name: string;
  content: string;
}

/** Writes files into `dir` (where the bridge finds dropped files too); answers their paths. */
export async function writeFiles(dir: string, files: readonly TestFile[]): Promise<string[]> {
  return Promise.all(
    files.map(async ({ name, content }) => {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    }),
  );
}

/** `size` bytes of text, for files big enough to watch their progress. */
export function bytes(size: number, seed = 'x'): string {
  return seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
}

/**
 * A real drop: a DataTransfer with these files, dispatched as the browser dispatches a drop
 * (dragenter, dragover, drop) on `target`.
 */
export async function dropFiles(page: Page, target: Locator, files: readonly TestFile[]) {
  const dataTransfer = await page.evaluateHandle((list) => {
    const data = new DataTransfer();
    for (const { name, content } of list) data.items.add(new File([content], name));
    return data;
  }, files);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await target.dispatchEvent(type, { dataTransfer });
  }
}

/** What the fake Drive has received, as its admin route reports it. */
export async function driveState(fake: FakeGoogle): Promise<FakeGoogleState> {
  const answer = await fetch(`${fake.url}/__admin/state`);
  return (await answer.json()) as FakeGoogleState;
}
