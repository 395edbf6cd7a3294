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

/** src/windows are renderer pages: they know only a tRPC client, never the engine or Node. */
export const windowsLayering = {
  files: ['src/windows/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'electron', message: 'Pages talk to the agent only through the tRPC client.' },
        ],
        patterns: [
          {
            group: ['**/core', '**/core/**', 'node:*'],
            message:
              'src/windows knows only a tRPC client: import types from src/ipc, not src/core.',
            allowTypeImports: true,
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
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test-results/'] },
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
