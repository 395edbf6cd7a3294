import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule is what keeps src/core runnable headless. These cases lint source text as if
 * it lived at the given path, with the project's real ESLint config, so a weakened rule fails here.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('layering rule', () => {
  it.each([
    ["import { app } from 'electron';", 'Electron'],
    ["import { ipcMain } from 'electron/main';", 'Electron'],
    ["import { initTRPC } from '@trpc/server';", 'tRPC'],
    ["import { appRouter } from '../ipc/app-router.ts';", 'src/ipc'],
    ["import { createTray } from '../../tray/tray.ts';", 'src/tray'],
    ["export { x } from '../windows/drop-zone.ts';", 'src/windows'],
    ["import { main } from '../cli/main.ts';", 'src/cli'],
  ])('rejects %s in src/core', async (code, what) => {
    const errors = await layeringErrors('src/core/queue/probe.ts', `${code}\n`);
    expect(errors.join('\n')).toContain(what);
  });

  it('allows src/core to import its own modules and Node', async () => {
    const code =
      "import { join } from 'node:path';\nimport { openDatabase } from '../store/database.ts';\nexport const x = [join, openDatabase];\n";
    expect(await layeringErrors('src/core/queue/probe.ts', code)).toEqual([]);
  });

  it('allows src/ipc to import src/core and tRPC', async () => {
    const code =
      "import { initTRPC } from '@trpc/server';\nimport { openDatabase } from '../core/store/database.ts';\nexport const x = [initTRPC, openDatabase];\n";
    expect(await layeringErrors('src/ipc/probe.ts', code)).toEqual([]);
  });

  it('keeps src/windows to a tRPC client', async () => {
    const errors = await layeringErrors(
      'src/windows/probe.ts',
      "import { openDatabase } from '../core/store/database.ts';\nexport const x = openDatabase;\n",
    );
    expect(errors.join('\n')).toContain('tRPC client');
  });
});
