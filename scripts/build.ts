// Bundles the entry points people run: the `driveup` command and the Electron main process.
// Dependencies stay in node_modules (they ship with the app); only our code is bundled.
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { buildWindows } from './build-windows.ts';
import { buildTrayBundles } from './tray-bundles.ts';

const entries = [{ in: 'src/cli/driveup.ts', out: 'cli/driveup' }].filter((entry) =>
  existsSync(entry.in),
);

await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  // The agent's engine is a separate chunk, so client commands start without loading it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  // `env -S` splits the flags (coreutils 8.30+, macOS; npm's Windows shims understand it too).
  banner: { js: `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}` },
  logLevel: 'info',
});

// npm makes `bin` files executable on install; do it here too so dist/ runs as built.
for (const entry of entries.filter((e) => e.out.startsWith('cli/')))
  chmodSync(`dist/${entry.out}.js`, 0o755);

// The windows' pages, served by web mode and loaded by the desktop app.
await buildWindows();
// The desktop app: main, the agent process and the preload (scripts/tray-bundles.ts).
await buildTrayBundles('dist');
