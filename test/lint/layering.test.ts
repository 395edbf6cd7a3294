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

  it.each([
    ["import { openDatabase } from '../../core/store/database.ts';", 'Not src/core'],
    ["import type { Job } from '../../core/queue/job.ts';", 'Not src/core'],
    ["import { appRouter } from '../../ipc/app-router.ts';", 'Only src/ipc/common'],
    ["import { startSocketServer } from '../../ipc/socket-server.ts';", 'Only src/ipc/common'],
    ["import { x } from '../../ipc/server/web-server.ts';", 'Only src/ipc/common'],
    ["import { x } from '../../ipc';", 'Only src/ipc/common'],
    ["import { initTRPC } from '@trpc/server';", '@trpc/server'],
    ["import { readFile } from 'node:fs/promises';", 'may import only'],
    ["import { ipcRenderer } from 'electron';", 'may import only'],
    ["import superjson from 'superjson';", 'may import only'],
    ["import { useState } from 'react';", 'may import only'],
    ["import { main } from '../../cli/program.ts';", 'may import only'],
  ])('rejects %s in src/windows', async (code, what) => {
    for (const file of ['src/windows/history/probe.tsx', 'src/windows/shared/probe.ts']) {
      const errors = await layeringErrors(file, `${code}\nexport const y = 1;\n`);
      expect(errors.join('\n'), file).toContain(what);
    }
  });

  it('allows src/windows its client, Preact, src/ipc/common and the AppRouter type', async () => {
    const code = [
      "import { createTRPCClient } from '@trpc/client';",
      "import { render } from 'preact';",
      "import { useEffect } from 'preact/hooks';",
      "import { signal } from '@preact/signals';",
      "import type { AppRouter } from '../../ipc/app-router.ts';",
      "import type { inferRouterOutputs } from '@trpc/server';",
      "import { transformer } from '../../ipc/common/transformer.ts';",
      "import { Banner } from '../shared/banner.tsx';",
      "import './history.css';",
      'export type X = [AppRouter, inferRouterOutputs<AppRouter>];',
      'export const y = [createTRPCClient, render, useEffect, signal, transformer, Banner];',
      '',
    ].join('\n');
    expect(await layeringErrors('src/windows/history/probe.tsx', code)).toEqual([]);
  });
});

describe('src/tray layering', () => {
  it.each([
    "import { app } from 'electron';",
    "import * as electron from 'electron';",
    "import { ipcMain } from 'electron/main';",
  ])('rejects %s outside the shell', async (code) => {
    const errors = await layeringErrors('src/tray/probe.ts', `${code}\nexport const x = 1;\n`);
    expect(errors.join('\n')).toContain('Only the shell');
  });

  it('allows type imports of electron everywhere in src/tray, and electron in the shell', async () => {
    const typeOnly = "import type { App } from 'electron';\nexport type X = App;\n";
    expect(await layeringErrors('src/tray/probe.ts', typeOnly)).toEqual([]);
    const shell = "import { app } from 'electron';\nexport const x = app;\n";
    expect(await layeringErrors('src/tray/main.ts', shell)).toEqual([]);
    expect(await layeringErrors('src/tray/preload.ts', shell)).toEqual([]);
  });

  it('keeps Electron out of src/core even as a type', async () => {
    const typeOnly = "import type { App } from 'electron';\nexport type X = App;\n";
    const errors = await layeringErrors('src/core/notifications/probe.ts', typeOnly);
    expect(errors.join('\n')).toContain('Electron');
  });
});
