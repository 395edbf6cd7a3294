import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule is what keeps src/core runnable headless. These cases lint source text as if
 * it lived at the given path, with the project's real ESLint config, so a weakened rule fails here.
 */
const eslint = new ESLint({
  cwd: process.cwd(),
  // The import rules need no types: without the TypeScript program, probe paths need not exist.
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
});
/** The config as it is, types included: its probes pose as a file that exists. */
const typedEslint = new ESLint({ cwd: process.cwd() });

const LAYERING_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId !== null && LAYERING_RULES.has(m.ruleId))
    .map((m) => m.message);
}

async function ruleErrors(filePath: string, code: string, ruleId: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === ruleId).map((m) => m.message);
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

  it('allows src/ipc/server to import src/core, tRPC, src/ipc/node and src/ipc/common', async () => {
    const code = [
      "import { initTRPC } from '@trpc/server';",
      "import { createServer } from 'node:http';",
      "import { openDatabase } from '../../core/store/database.ts';",
      "import { probeSocket } from '../node/agent-probe.ts';",
      "import { transformer } from '../common/transformer.ts';",
      "import type { MessagePortMain } from 'electron';",
      'export const x = [initTRPC, createServer, openDatabase, probeSocket, transformer];',
      'export type Y = MessagePortMain;',
      '',
    ].join('\n');
    expect(await layeringErrors('src/ipc/server/probe.ts', code)).toEqual([]);
  });

  it.each([
    ["import { openDatabase } from '../../core/store/database.ts';", 'Not src/core'],
    ["import type { Job } from '../../core/queue/job.ts';", 'Not src/core'],
    ["import { appRouter } from '../../ipc/app-router.ts';", 'Only src/ipc/common'],
    [
      "import { startSocketServer } from '../../ipc/server/socket-server.ts';",
      'Only src/ipc/common',
    ],
    [
      "import { createSocketClient } from '../../ipc/node/socket-client.ts';",
      'Only src/ipc/common',
    ],
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
      "import type { AppRouter } from '../../ipc/server/app-router.ts';",
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

describe('src/core areas', () => {
  it.each([
    ['src/core/store/probe.ts', "import { JobStore } from '../queue/job-store.ts';"],
    ['src/core/config/probe.ts', "import { mongoUriProblem } from '../history/mongo-uri.ts';"],
    ['src/core/drive/probe.ts', "import { scopeRefusal } from '../queue/file-scope.ts';"],
    ['src/core/drive/probe.ts', "import type { AuthService } from '../auth/auth-service.ts';"],
    ['src/core/queue/probe.ts', "import { HistoryService } from '../history/history-service.ts';"],
  ])('rejects an import of a higher area: %s %s', async (file, code) => {
    const errors = await layeringErrors(file, `${code}\nexport const y = 1;\n`);
    expect(errors.join('\n')).toContain('may import only the areas below it');
  });

  it('rejects the composition root inside an area, but not its event map as a type', async () => {
    const root = "import { MIGRATIONS } from '../migrations.ts';\nexport const y = MIGRATIONS;\n";
    expect((await layeringErrors('src/core/store/probe.ts', root)).join('\n')).toContain(
      'composition root',
    );
    const types =
      "import type { AgentEvents } from '../agent-events.ts';\nexport type Y = AgentEvents;\n";
    expect(await layeringErrors('src/core/queue/probe.ts', types)).toEqual([]);
  });

  it('allows an area the areas below it, and the composition root every area', async () => {
    const queue = [
      "import { transaction } from '../store/transaction.ts';",
      "import { UploadError } from '../drive/uploader.ts';",
      "import { isWithin } from '../config/path-within.ts';",
      'export const y = [transaction, UploadError, isWithin];',
      '',
    ].join('\n');
    expect(await layeringErrors('src/core/queue/probe.ts', queue)).toEqual([]);
    const root =
      "import { WatchService } from './watch/watch-service.ts';\nexport const y = WatchService;\n";
    expect(await layeringErrors('src/core/probe.ts', root)).toEqual([]);
  });
});

describe('src/ipc/common: what a sandboxed renderer may load', () => {
  it.each([
    ["import { readFile } from 'node:fs/promises';", 'no Node modules'],
    ["import { EventEmitter } from 'events';", 'no Node modules'],
    ["import { Worker } from 'worker_threads';", 'no Node modules'],
    ["import { openDatabase } from '../../core/store/database.ts';", 'no engine'],
    ["import { appRouter } from '../server/app-router.ts';", 'src/ipc/server'],
    ["import type { AppRouter } from '../server/app-router.ts';", 'src/ipc/server'],
    ["import { createSocketClient } from '../node/socket-client.ts';", 'src/ipc/node'],
    ["import { ipcRenderer } from 'electron';", 'Packages'],
    ["import pino from 'pino';", 'Packages'],
    ["import { main } from '../../cli/program.ts';", 'sandboxed renderers'],
  ])('rejects %s', async (code, what) => {
    const errors = await layeringErrors(
      'src/ipc/common/probe.ts',
      `${code}\nexport const y = 1;\n`,
    );
    expect(errors.join('\n')).toContain(what);
  });

  it('allows tRPC, superjson, zod, its own modules and engine types', async () => {
    const code = [
      "import { createTRPCClient } from '@trpc/client';",
      "import { observable } from '@trpc/server/observable';",
      "import superjson from 'superjson';",
      "import { z } from 'zod';",
      "import type { Job } from '../../core/queue/job.ts';",
      "import { fromDomMessagePort } from './dom-message-port.ts';",
      'export const y = [createTRPCClient, observable, superjson, z, fromDomMessagePort];',
      'export type J = Job;',
      '',
    ].join('\n');
    expect(await layeringErrors('src/ipc/common/probe.ts', code)).toEqual([]);
  });
});

describe('src/ipc/node: how the CLI and the tray reach an agent', () => {
  it.each([
    ["import { openDatabase } from '../../core/store/database.ts';", 'must not load the engine'],
    ["import { appRouter } from '../server/app-router.ts';", 'must not load the engine'],
    ["import { app } from 'electron';", 'must not load the engine'],
    ["import { main } from '../../cli/program.ts';", 'must not load the engine'],
  ])('rejects %s', async (code, what) => {
    const errors = await layeringErrors('src/ipc/node/probe.ts', `${code}\nexport const y = 1;\n`);
    expect(errors.join('\n')).toContain(what);
  });

  it('allows Node, tRPC, src/ipc/common and the router as a type', async () => {
    const code = [
      "import { request } from 'node:http';",
      "import { createTRPCClient } from '@trpc/client';",
      "import { transformer } from '../common/transformer.ts';",
      "import type { AppRouter } from '../server/app-router.ts';",
      "import type { Job } from '../../core/queue/job.ts';",
      'export const y = [request, createTRPCClient, transformer];',
      'export type R = [AppRouter, Job];',
      '',
    ].join('\n');
    expect(await layeringErrors('src/ipc/node/probe.ts', code)).toEqual([]);
  });
});

describe('src/ipc/server', () => {
  it.each([
    ["import { app } from 'electron';", 'src/ipc/server is the agent side'],
    ["import { main } from '../../cli/program.ts';", 'src/ipc/server is the agent side'],
    ["import { TrayApp } from '../../tray/tray-app.ts';", 'src/ipc/server is the agent side'],
  ])('rejects %s', async (code, what) => {
    const errors = await layeringErrors(
      'src/ipc/server/probe.ts',
      `${code}\nexport const y = 1;\n`,
    );
    expect(errors.join('\n')).toContain(what);
  });
});

describe('src/cli', () => {
  it.each([
    "import { createAppRouter } from '../ipc/server/app-router.ts';",
    "const { serveAgent } = await import('../ipc/server/serve-agent.ts');",
    "import { app } from 'electron';",
    "import { TrayApp } from '../tray/tray-app.ts';",
    "import { x } from '../windows/shared/format.ts';",
  ])('rejects %s in a client command', async (code) => {
    const errors = await layeringErrors('src/cli/probe.ts', `${code}\nexport const y = 1;\n`);
    expect(errors.join('\n')).toContain('src/cli is a client of the agent');
  });

  it('allows clients, engine modules and the router type; the agent command may host', async () => {
    const code = [
      "import { createSocketClient } from '../ipc/node/socket-client.ts';",
      "import { resolvePaths } from '../core/config/paths.ts';",
      "import type { AppRouter } from '../ipc/server/app-router.ts';",
      'export const y = [createSocketClient, resolvePaths];',
      'export type R = AppRouter;',
      '',
    ].join('\n');
    expect(await layeringErrors('src/cli/probe.ts', code)).toEqual([]);
    const host = "export const host = () => import('../../ipc/server/serve-agent.ts');\n";
    expect(await layeringErrors('src/cli/commands/agent-command.ts', host)).toEqual([]);
  });
});

describe('src/tray: no engine code in main', () => {
  it.each([
    "import { Agent } from '../core/agent.ts';",
    "import { UploadQueue } from '../core/queue/upload-queue.ts';",
    "import { serveOverPort } from '../ipc/server/port-server.ts';",
    "import { parentSecretCipher } from '../ipc/server/parent-secret-cipher.ts';",
    "import { main } from '../cli/program.ts';",
    "import { x } from '../windows/shared/format.ts';",
  ])('rejects %s, in the shell too', async (code) => {
    for (const file of ['src/tray/probe.ts', 'src/tray/main.ts']) {
      const errors = await layeringErrors(file, `${code}\nexport const y = 1;\n`);
      expect(errors.join('\n'), file).toContain('runs no engine code');
    }
  });

  it('allows paths, the clock, node flags, clients and engine types', async () => {
    const code = [
      "import { resolvePaths } from '../core/config/paths.ts';",
      "import { systemClock } from '../core/queue/clock.ts';",
      "import { NODE_FLAGS } from '../cli/node-flags.ts';",
      "import { probeSocket } from '../ipc/node/agent-probe.ts';",
      "import { bridgePortToSocket } from '../ipc/node/socket-bridge.ts';",
      "import { fromMessagePortMain } from '../ipc/node/electron-message-port.ts';",
      "import { fromAgentProcessSchema } from '../ipc/common/agent-process-protocol.ts';",
      "import type { NotificationBatch } from '../core/notifications/notification-batch.ts';",
      "import type { AppRouter } from '../ipc/server/app-router.ts';",
      'export const y = [resolvePaths, systemClock, NODE_FLAGS, probeSocket, bridgePortToSocket];',
      'export const z = [fromMessagePortMain, fromAgentProcessSchema];',
      'export type T = [NotificationBatch, AppRouter];',
      '',
    ].join('\n');
    expect(await layeringErrors('src/tray/probe.ts', code)).toEqual([]);
  });
});

describe('no import cycles', () => {
  // database.ts imports transaction.ts: linting transaction.ts with an import of database.ts
  // closes a real cycle on disk.
  it('rejects a module that imports one importing it back', async () => {
    const code = "import { openDatabase } from './database.ts';\nexport const y = openDatabase;\n";
    const errors = await ruleErrors('src/core/store/transaction.ts', code, 'import-x/no-cycle');
    expect(errors.join('\n')).toContain('Dependency cycle');
  });

  it('allows the import that goes one way', async () => {
    const code = "import { transaction } from './transaction.ts';\nexport const y = transaction;\n";
    expect(await ruleErrors('src/core/store/database.ts', code, 'import-x/no-cycle')).toEqual([]);
  });
});

describe('typed lint', () => {
  const floatingErrors = async (code: string): Promise<string[]> => {
    const [result] = await typedEslint.lintText(code, { filePath: 'src/core/queue/clock.ts' });
    return (result?.messages ?? [])
      .filter((m) => m.ruleId === '@typescript-eslint/no-floating-promises' || m.fatal)
      .map((m) => m.message);
  };

  it('rejects a promise nobody awaits, and takes void as a decision', async () => {
    const floating = 'async function work(): Promise<void> {}\nwork();\n';
    expect(await floatingErrors(floating)).toHaveLength(1);
    const decided =
      'async function work(): Promise<void> {}\n// Fire and forget: work() reports its own errors.\nvoid work();\n';
    expect(
      await ruleErrors(
        'src/core/queue/probe.ts',
        decided,
        '@typescript-eslint/no-floating-promises',
      ),
    ).toEqual([]);
  });
});
