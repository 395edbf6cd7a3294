// Bundles the entry points people run: the `driveup` command and the Electron main process.
// Dependencies stay in node_modules (they ship with the app), but for the few every client command
// loads (CLIENT_PACKAGES).
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { buildWindows } from './build-windows.ts';
import { buildTrayBundles } from './tray-bundles.ts';

const entries = [{ in: 'src/cli/driveup.ts', out: 'cli/driveup' }].filter((entry) =>
  existsSync(entry.in),
);

/**
 * What every `driveup` command loads to talk to the agent, bundled in (tree-shaken) rather than
 * loaded from node_modules: resolving and evaluating their dozens of files cost a client command
 * more than the round trip to the agent. Pure JavaScript, no files of their own read at run time.
 */
const CLIENT_PACKAGES = [
  'commander',
  '@trpc/client',
  '@trpc/server',
  'superjson',
  'pretty-bytes',
  'pretty-ms',
  'eventsource',
];
const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};
const external = Object.keys(dependencies)
  .filter((name) => !CLIENT_PACKAGES.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

/**
 * commander requires node:child_process as it loads, to run a subcommand as its own executable,
 * which `driveup` has none of: loading it (and node:dgram with it) was ~1.5 ms of every command.
 * commander gets a stand-in that loads the module on first use.
 */
const lazyChildProcessForCommander: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'node:child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents:
        "module.exports = { get spawn() { return process.getBuiltinModule('node:child_process').spawn; } };",
      loader: 'js',
    }));
  },
};

/**
 * Every command module is loaded by main.ts (program.ts imports it), so what main.ts imports has
 * been loaded by then. esbuild cannot know that: it puts each module shared by a different set of
 * importers into a chunk of its own, and `driveup status` loaded some 20 files, each costing the
 * ESM loader ~0.3 ms to resolve, read and link. Declared a dependency of every command, main.ts's
 * whole graph shares one set of importers, and so a few chunks.
 */
const commandsAfterMain: Plugin = {
  name: 'commands-after-main',
  setup(build) {
    const main = resolve('src/cli/main.ts');
    build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]commands[\\/][^\\/]+\.ts$/ }, (args) => ({
      contents: `${readFileSync(args.path, 'utf8')}\nimport ${JSON.stringify(main)};\n`,
      loader: 'ts',
    }));
  },
};

/**
 * `driveup status`'s quick path (src/cli/quick-status.ts) is built on its own, unsplit, into
 * dist/cli/quick-status.js: as chunks shared with the full CLI it loaded ten files, ~4 ms more
 * than one. The entry imports that file instead of bundling the module.
 */
const QUICK_STATUS = 'src/cli/quick-status.ts';
const quickStatusApart: Plugin = {
  name: 'quick-status-apart',
  setup(build) {
    build.onResolve({ filter: /[\\/]quick-status\.ts$/ }, () => ({
      path: './quick-status.js',
      external: true,
    }));
  },
};

/** What both CLI builds share: ES modules for Node 24, dependencies but the client's external. */
const cli = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external,
  sourcemap: true,
  // `env -S` splits the flags (coreutils 8.30+, macOS; npm's Windows shims understand it too).
  // The `require` is for esbuild's `__require`, through which the bundled CommonJS packages
  // (commander) load Node built-ins. It is made on first use: every chunk gets the banner, and
  // making a require (and the chunk's import.meta) in each of the ~20 chunks a client command
  // loads cost ~1-2 ms. Only calls are supported (no `require.resolve`): all `__require` does.
  banner: {
    js: [
      `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`,
      'let __driveupRequire;',
      "const require = (id) => (__driveupRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id);",
    ].join('\n'),
  },
  logLevel: 'info',
} satisfies BuildOptions;

if (existsSync(QUICK_STATUS))
  await build({ ...cli, entryPoints: [{ in: QUICK_STATUS, out: 'cli/quick-status' }] });

await build({
  ...cli,
  entryPoints: entries,
  plugins: [lazyChildProcessForCommander, commandsAfterMain, quickStatusApart],
  // The agent's engine is a separate chunk, so client commands start without loading it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

// npm makes `bin` files executable on install; do it here too so dist/ runs as built.
for (const entry of entries.filter((e) => e.out.startsWith('cli/')))
  chmodSync(`dist/${entry.out}.js`, 0o755);

// The windows' pages, served by web mode and loaded by the desktop app.
await buildWindows();
// The desktop app: main, the agent process and the preload (scripts/tray-bundles.ts).
await buildTrayBundles('dist');
