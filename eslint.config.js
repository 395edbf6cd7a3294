// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layering (see ARCHITECTURE.md): src/core is plain Node and owns the product's rules.
 * It must never reach up into the faces (ipc, tray, windows, cli) nor pull in Electron
 * or tRPC, so that the engine runs headless and is testable without a desktop.
 */
export const coreLayering = {
  files: ['src/core/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'electron', message: 'src/core is plain Node: Electron belongs in src/tray.' },
        ],
        patterns: [
          {
            group: ['electron/*', '@trpc/*'],
            message:
              'src/core must not depend on Electron or tRPC (they belong in src/ipc, src/tray).',
          },
          {
            group: [
              '**/ipc',
              '**/ipc/**',
              '**/tray',
              '**/tray/**',
              '**/windows',
              '**/windows/**',
              '**/cli',
              '**/cli/**',
            ],
            message: 'src/core must not import from src/ipc, src/tray, src/windows or src/cli.',
          },
        ],
      },
    ],
  },
};

/**
 * src/windows are renderer pages, loaded in a browser or a sandboxed Electron renderer: they know
 * only a tRPC client, Preact and the browser-safe part of src/ipc (`src/ipc/common`). Types may
 * come from the server side (the `AppRouter` type, tRPC's inference helpers): they are erased.
 */
const WINDOWS_ONLY =
  'src/windows may import only @trpc/client, preact, @preact/signals and src/ipc/common.';
export const windowsLayering = {
  files: ['src/windows/**/*.ts', 'src/windows/**/*.tsx'],
  languageOptions: { globals: { ...globals.browser } },
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            // Any package but these (relative imports are checked below).
            regex: '^(?![.]|(@trpc/client|@trpc/server|preact|preact/hooks|@preact/signals)$)',
            message: WINDOWS_ONLY,
          },
          {
            regex: '^@trpc/server$',
            allowTypeImports: true,
            message: `${WINDOWS_ONLY} Types from @trpc/server are fine (import type).`,
          },
          {
            regex: '(^|/)(core|cli|tray|test|bench|scripts)(/|$)',
            message: `${WINDOWS_ONLY} Not src/core: the engine is reached through the tRPC client.`,
          },
          {
            regex: '(^|/)ipc(/(?!common/)|$)',
            allowTypeImports: true,
            message: `${WINDOWS_ONLY} Only src/ipc/common is browser-safe; import type { AppRouter } is fine.`,
          },
        ],
      },
    ],
  },
};

/**
 * src/tray is Electron's main process, split into a thin shell that imports `electron` (these
 * files) and modules that receive Electron's API as a parameter, so that tests can pass the
 * stand-in. Type imports are fine: they check the modules against electron.d.ts.
 */
export const TRAY_SHELL_FILES = ['src/tray/main.ts', 'src/tray/preload.ts'];
const trayElectronMessage =
  'Only the shell (src/tray/main.ts, preload.ts) imports electron: take its API as a parameter (ElectronMainApi in electron-api.ts).';
export const trayLayering = {
  files: ['src/tray/**/*.ts'],
  ignores: TRAY_SHELL_FILES,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [{ name: 'electron', allowTypeImports: true, message: trayElectronMessage }],
        patterns: [{ group: ['electron/*'], allowTypeImports: true, message: trayElectronMessage }],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  coreLayering,
  windowsLayering,
  trayLayering,
  prettier,
);
