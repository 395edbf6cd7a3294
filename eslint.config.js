// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/*
 * Layering (docs/architecture.md): every layer is a zone, and each zone says what it may not
 * import. The zones, from the engine outwards:
 *
 *   src/core          plain Node, the product's rules; its areas in one order (CORE_AREAS)
 *   src/ipc/common    anything a sandboxed renderer may load: no Node, no engine, no server
 *   src/ipc/node      what a Node process uses to reach an agent (CLI, tray main): no engine
 *   src/ipc/server    the agent side: router, transports, hosting
 *   src/cli           the `driveup` command; only `driveup agent` loads the server zone
 *   src/tray          Electron's main process: Electron in its shell only, no engine code
 *   src/windows       pages: a tRPC client, Preact and src/ipc/common only
 *
 * Type imports cross zones freely where the rule says so (`allowTypeImports`): they are erased,
 * and they are how a client knows the router's shape.
 */

/** `fs`, `node:fs`, `fs/promises`…: Node's own modules, which no renderer has. */
const NODE_BUILTIN = `^(node:.*|(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/.*)?)$`;

/**
 * src/core's areas, lowest first: an area imports only areas before it (types included), so no
 * two areas import each other. `import-x/no-cycle` sees cycles between files; this order is what
 * keeps cycles between areas (auth ↔ drive, queue ↔ drive, store → every feature) from growing
 * back. The files at src/core's root (agent.ts, migrations.ts, agent-events.ts) are the
 * composition root: they import any area, and no area imports them but for types.
 */
export const CORE_AREAS = [
  'events',
  'store',
  'config',
  'log',
  'drive',
  'auth',
  'queue',
  'history',
  'watch',
  'notifications',
  'staging',
];

const coreBase = [
  {
    group: ['electron', 'electron/*', '@trpc/*'],
    message: 'src/core must not depend on Electron or tRPC (they belong in src/ipc, src/tray).',
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
];

/** The shape of one zone: the files it holds and the imports it refuses. */
function zone({ files, ignores = undefined, patterns, paths = [], browser = false }) {
  return {
    files,
    ...(ignores ? { ignores } : {}),
    ...(browser ? { languageOptions: { globals: { ...globals.browser } } } : {}),
    rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
  };
}

export const coreLayering = zone({ files: ['src/core/**/*.ts'], patterns: coreBase });

/** One config per area: its higher areas and the composition root are out of bounds. */
export const coreAreaLayering = CORE_AREAS.map((area, index) => {
  const higher = CORE_AREAS.slice(index + 1);
  return zone({
    files: [`src/core/${area}/**/*.ts`],
    // Tests may reach across areas: they are not loaded by the product.
    ignores: ['**/*.test.ts'],
    patterns: [
      ...coreBase,
      ...(higher.length
        ? [
            {
              regex: `^(\\.\\./)+(${higher.join('|')})(/|$)`,
              message: `src/core/${area} may import only the areas below it (${CORE_AREAS.slice(0, index).join(', ') || 'none'}): core's areas are ordered in eslint.config.js (CORE_AREAS) so that none imports another that imports it back. Move what both need down, or pass it in from the composition root.`,
            },
          ]
        : []),
      {
        regex: '^\\.\\./[^/]+\\.ts$',
        allowTypeImports: true,
        message: `src/core/${area} must not import the composition root (src/core/*.ts): the root registers the areas, not the other way round. A type import is fine.`,
      },
    ],
  });
});

const COMMON_ONLY =
  'src/ipc/common is loaded by sandboxed renderers: no Node modules, no engine (src/core, types only), nothing from src/ipc/server or src/ipc/node.';
export const ipcCommonLayering = zone({
  files: ['src/ipc/common/**/*.ts'],
  ignores: ['**/*.test.ts'],
  browser: true,
  patterns: [
    {
      // Packages a renderer can load; relative imports are checked below.
      regex: '^(?![.]|(@trpc/client|@trpc/server)(/.*)?$|superjson$|pretty-bytes$|zod(/.*)?$)',
      message: `${COMMON_ONLY} Packages: @trpc/client, @trpc/server, superjson, pretty-bytes, zod.`,
    },
    { regex: NODE_BUILTIN, message: COMMON_ONLY },
    { regex: '(^|/)core(/|$)', allowTypeImports: true, message: COMMON_ONLY },
    { regex: '^(\\.\\./)+(server|node)(/|$)|(^|/)ipc/(server|node)(/|$)', message: COMMON_ONLY },
    { regex: '(^|/)(cli|tray|windows)(/|$)', message: COMMON_ONLY },
  ],
});
// Its tests run in Node (and bundle the zone with esbuild to prove it renderer-safe).
export const ipcCommonTests = zone({
  files: ['src/ipc/common/**/*.test.ts'],
  patterns: [{ regex: '^(\\.\\./)+(server|node)(/|$)', message: COMMON_ONLY }],
});

const NODE_CLIENT_ONLY =
  'src/ipc/node is what the CLI and the tray use to reach an agent: it must not load the engine (src/core) or the agent side (src/ipc/server); a type import is fine.';
export const ipcNodeLayering = zone({
  files: ['src/ipc/node/**/*.ts'],
  ignores: ['**/*.test.ts'],
  paths: [{ name: 'electron', message: NODE_CLIENT_ONLY }],
  patterns: [
    { regex: '(^|/)core(/|$)', allowTypeImports: true, message: NODE_CLIENT_ONLY },
    {
      regex: '^(\\.\\./)+server(/|$)|(^|/)ipc/server(/|$)',
      allowTypeImports: true,
      message: NODE_CLIENT_ONLY,
    },
    { regex: '(^|/)(cli|tray|windows)(/|$)', message: NODE_CLIENT_ONLY },
  ],
});

const SERVER_ONLY =
  'src/ipc/server is the agent side: it serves src/core over transports and knows no face (src/cli, src/tray, src/windows) and no Electron at run time (take its ports as parameters).';
export const ipcServerLayering = zone({
  files: ['src/ipc/server/**/*.ts'],
  paths: [{ name: 'electron', allowTypeImports: true, message: SERVER_ONLY }],
  patterns: [
    { group: ['electron/*'], allowTypeImports: true, message: SERVER_ONLY },
    { regex: '(^|/)(cli|tray|windows)(/|$)', message: SERVER_ONLY },
  ],
});

/** `driveup agent` hosts the engine; every other command is a client of it. */
export const CLI_HOST_FILES = ['src/cli/commands/agent-command.ts', 'src/cli/headless-agent.ts'];
const CLI_ONLY =
  'src/cli is a client of the agent: src/ipc/server (the agent side) is loaded only by `driveup agent` (src/cli/commands/agent-command.ts, lazily, and the host it loads: src/cli/headless-agent.ts); a type import such as AppRouter is fine. No Electron, src/tray or src/windows.';
const cliPatterns = [
  { group: ['electron', 'electron/*'], message: CLI_ONLY },
  { regex: '(^|/)(tray|windows)(/|$)', message: CLI_ONLY },
];
const cliClients = zone({
  files: ['src/cli/**/*.ts'],
  ignores: CLI_HOST_FILES,
  patterns: [
    ...cliPatterns,
    { regex: '(^|/)ipc/server(/|$)', allowTypeImports: true, message: CLI_ONLY },
  ],
});
// A dynamic import() is no import declaration: the same rule, said for it.
cliClients.rules['no-restricted-syntax'] = [
  'error',
  { selector: 'ImportExpression[source.value=/(^|\\/)ipc\\/server(\\/|$)/]', message: CLI_ONLY },
];
export const cliLayering = [cliClients, zone({ files: CLI_HOST_FILES, patterns: cliPatterns })];

/**
 * src/windows are renderer pages, loaded in a browser or a sandboxed Electron renderer: they know
 * only a tRPC client, Preact and the browser-safe part of src/ipc (`src/ipc/common`). Types may
 * come from the server side (the `AppRouter` type, tRPC's inference helpers): they are erased.
 */
const WINDOWS_ONLY =
  'src/windows may import only @trpc/client, preact, @preact/signals and src/ipc/common.';
export const windowsLayering = zone({
  files: ['src/windows/**/*.ts', 'src/windows/**/*.tsx'],
  browser: true,
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
});

/**
 * src/tray is Electron's main process, split into a thin shell that imports `electron` (these
 * files) and modules that receive Electron's API as a parameter, so that tests can pass the
 * stand-in. Type imports are fine: they check the modules against electron.d.ts. Main runs no
 * engine code: the agent runs in its own process (src/ipc/server/agent-process.ts, a bundle of
 * its own), reached through the API; of src/core, main loads only paths, settings shapes and the
 * clock.
 */
export const TRAY_SHELL_FILES = ['src/tray/main.ts', 'src/tray/preload.ts'];
const trayElectronMessage =
  'Only the shell (src/tray/main.ts, preload.ts) imports electron: take its API as a parameter (ElectronMainApi in electron-api.ts).';
const TRAY_NO_ENGINE =
  "src/tray is Electron's main process and runs no engine code: reach the agent through the API (src/ipc/node, src/ipc/common). Of src/core only config and the clock; of src/cli only node-flags; type imports are fine.";
const trayZonePatterns = [
  {
    regex: '(^|/)core/(?!config/|queue/clock\\.ts$)',
    allowTypeImports: true,
    message: TRAY_NO_ENGINE,
  },
  { regex: '(^|/)ipc/server(/|$)', allowTypeImports: true, message: TRAY_NO_ENGINE },
  { regex: '(^|/)cli/(?!node-flags\\.ts$)', message: TRAY_NO_ENGINE },
  { regex: '(^|/)windows(/|$)', message: TRAY_NO_ENGINE },
];
export const trayLayering = zone({
  files: ['src/tray/**/*.ts'],
  ignores: [...TRAY_SHELL_FILES, '**/*.test.ts'],
  paths: [{ name: 'electron', allowTypeImports: true, message: trayElectronMessage }],
  patterns: [
    { group: ['electron/*'], allowTypeImports: true, message: trayElectronMessage },
    ...trayZonePatterns,
  ],
});
export const trayShellLayering = zone({ files: TRAY_SHELL_FILES, patterns: trayZonePatterns });
// Tests of main's modules drive them with the stand-in, never with Electron itself.
export const trayTests = zone({
  files: ['src/tray/**/*.test.ts'],
  paths: [{ name: 'electron', allowTypeImports: true, message: trayElectronMessage }],
  patterns: [{ group: ['electron/*'], allowTypeImports: true, message: trayElectronMessage }],
});

/**
 * No import cycles between files anywhere in src: a cycle makes load order matter and hides
 * which module owns what. import-x resolves our `.ts` specifiers with its own Node resolver;
 * packages are not followed (ignoreExternal), which keeps the rule fast.
 */
export const noCycles = {
  files: ['src/**/*.ts', 'src/**/*.tsx'],
  plugins: { 'import-x': importX },
  settings: {
    // Without these, import-x reads only .js files and sees no cycle among .ts ones.
    'import-x/extensions': ['.ts', '.tsx'],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    'import-x/resolver-next': [importX.createNodeResolver()],
  },
  rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
};

/**
 * Type-aware rules, through typescript-eslint's project service (the same tsconfig.json the
 * type-check uses). A promise nobody awaits loses its errors: an unhandled rejection, or a test
 * that passes before its assertion ran.
 */
export const typedRules = {
  files: ['**/*.ts', '**/*.tsx'],
  languageOptions: {
    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
  },
  rules: {
    '@typescript-eslint/no-floating-promises': [
      'error',
      {
        // node:test tracks the promises its describe/it return: awaiting them is not required.
        allowForKnownSafeCalls: [
          { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      'test-results/',
      'playwright-report/',
      '.test-reports/',
    ],
  },
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
  typedRules,
  noCycles,
  coreLayering,
  ...coreAreaLayering,
  ipcCommonLayering,
  ipcCommonTests,
  ipcNodeLayering,
  ipcServerLayering,
  ...cliLayering,
  windowsLayering,
  trayLayering,
  trayShellLayering,
  trayTests,
  prettier,
);
