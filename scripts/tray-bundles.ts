// The desktop app's bundles: main (ES module, as Electron loads it), the agent process, and the
// windows' preload (CommonJS in one file: a sandboxed preload can neither load ES modules nor
// require anything but a few Electron modules).
import { build } from 'esbuild';
import { join } from 'node:path';

/**
 * The agent-process entry: `utilityProcess.fork` runs its bundle, which serves the ports main
 * hands it over `process.parentPort` (src/ipc/common/agent-process-protocol.ts).
 */
export const AGENT_PROCESS_ENTRY = 'src/ipc/server/desktop-agent-process.ts';

export async function buildTrayBundles(outdir: string, root = process.cwd()): Promise<void> {
  await build({
    entryPoints: [
      { in: join(root, 'src/tray/main.ts'), out: 'tray/main' },
      { in: join(root, AGENT_PROCESS_ENTRY), out: 'tray/agent-process' },
    ],
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    external: ['electron'],
    splitting: true,
    chunkNames: 'tray/chunks/[name]-[hash]',
    sourcemap: true,
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(root, 'src/tray/preload.ts')],
    outfile: join(outdir, 'tray', 'preload.cjs'),
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'chrome140',
    external: ['electron'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}
