import { execFile } from 'node:child_process';
import { access, chmod, constants, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { useTempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
const tempDir = useTempDir();

/**
 * Loaded before the command: records every module file the command loads and Node's own internal
 * modules, and prints them as JSON to stderr on exit.
 */
const RECORD_LOADS = `
import { registerHooks } from 'node:module';
const files = [];
registerHooks({ load(url, context, next) { files.push(url); return next(url, context); } });
process.on('exit', () => process._rawDebug(JSON.stringify({ files, builtins: process.moduleLoadList })));
`;

/** A `node` older than 24 on this machine (CI's own is 20), to run the bundle as users would. */
async function olderNode(): Promise<{ path: string; version: string } | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs.filter((d) => d && !d.includes('node_modules'))) {
    const path = join(dir, 'node');
    if (path === process.execPath) continue;
    const usable = await access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (!usable) continue;
    const version = (await run(path, ['--version']).catch(() => ({ stdout: '' }))).stdout.trim();
    if (Number(/^v(\d+)\./.exec(version)?.[1]) < 24) return { path, version };
  }
  return undefined;
}

/** What ships is the bundle, not the sources: it must start and answer as the sources do. */
describe('npm run build', () => {
  beforeAll(async () => {
    await run(process.execPath, ['scripts/build.ts'], { timeout: 120_000 });
  }, 180_000);

  it('bundles a driveup command that runs on its own', async () => {
    const version = await run(process.execPath, ['dist/cli/driveup.js', '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(process.execPath, ['dist/cli/driveup.js', '--help']);
    for (const command of [
      'agent',
      'status',
      'add',
      'queue',
      'history',
      'signin',
      'watch',
      'settings',
      'logs',
      'doctor',
      'completion',
    ]) {
      expect(help.stdout).toContain(command);
    }
    // As npm's bin link runs it: through its shebang, which carries the V8 flags (node-flags.ts).
    if (process.platform !== 'win32') {
      const path = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
      const direct = await run('dist/cli/driveup.js', ['--version'], {
        env: { ...process.env, PATH: path },
      });
      expect(direct.stdout.trim()).toBe(version.stdout.trim());
    }
  }, 60_000);

  it('answers a client command from the bundle alone, without the agent’s modules or Node’s fetch', async () => {
    const home = await tempDir();
    const hook = join(home, 'record-loads.mjs');
    await writeFile(hook, RECORD_LOADS);
    const result = await run(
      process.execPath,
      ['--import', hook, 'dist/cli/driveup.js', 'status'],
      {
        env: { ...process.env, DRIVEUP_HOME: home },
      },
    ).then(
      (ok) => ({ code: 0, stderr: ok.stderr }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(3); // no agent runs there
    const loads = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as {
      files: string[];
      builtins: string[];
    };
    const ours = loads.files.filter((url) => url.startsWith('file:') && !url.endsWith(hook));
    expect(ours.filter((url) => !url.includes('/dist/'))).toEqual([]);
    expect(ours.filter((url) => /agent-host|node_modules/.test(url))).toEqual([]);
    // Each file is ~0.3 ms of the ESM loader's; esbuild's splitting alone made 21 (build.ts).
    expect(ours.length).toBeLessThanOrEqual(12);
    // Node's fetch (undici) with TLS and crypto took longer than the rest of the command. An ES
    // import of node:fs loads its streams, promises and readline; commander loads child_process
    // for executable subcommands, which driveup has none of.
    expect(
      loads.builtins.filter((name) =>
        /undici|tls|crypto|child_process|readline|fs\/promises|fs\/streams/.test(name),
      ),
    ).toEqual([]);
  }, 60_000);

  it('answers `status` with an agent running from four small files, without node:http', async () => {
    const home = await tempDir();
    const env = { ...process.env, DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
    const paths = resolvePaths({ env });
    const hosted = await serveAgent({ paths, env }, [socketTransport(paths.socketPath)]);
    try {
      const hook = join(home, 'record-loads.mjs');
      await writeFile(hook, RECORD_LOADS);
      const result = await run(
        process.execPath,
        ['--import', hook, 'dist/cli/driveup.js', 'status', '--json'],
        { env },
      );
      expect(JSON.parse(result.stdout).pid).toBe(process.pid);
      const loads = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as {
        files: string[];
        builtins: string[];
      };
      const ours = loads.files.filter((url) => url.startsWith('file:') && !url.endsWith(hook));
      // The entry, its two small chunks (the Node version check, esbuild's helpers), the quick
      // path: none of the full command line (main, commander, the tRPC client).
      expect(ours.some((url) => url.endsWith('/dist/cli/quick-status.js'))).toBe(true);
      expect(ours.length).toBeLessThanOrEqual(4);
      expect(ours.filter((url) => /\/(main|status-command)-/.test(url))).toEqual([]);
      // node:http's client alone was ~6 ms of a command that takes ~40 (quick-status.ts).
      expect(loads.builtins.filter((name) => /http|undici/.test(name))).toEqual([]);
    } finally {
      await hosted.stop();
    }
  }, 60_000);

  it('keeps its compile cache where only this user may write', async () => {
    const home = await tempDir();
    const env = { ...process.env, DRIVEUP_HOME: home };
    await run(process.execPath, ['dist/cli/driveup.js', '--version'], { env });
    const cache = join(home, 'cache', 'node-compile-cache');
    expect((await stat(cache)).mode & 0o777).toBe(0o700);
    expect((await readdir(cache)).length).toBeGreaterThan(0);

    // A cache directory others may write to is not used: they could plant code for us to run.
    const shared = await tempDir();
    const sharedCache = join(shared, 'cache', 'node-compile-cache');
    await mkdir(sharedCache, { recursive: true });
    await chmod(sharedCache, 0o777);
    await run(process.execPath, ['dist/cli/driveup.js', '--version'], {
      env: { ...process.env, DRIVEUP_HOME: shared },
    });
    expect(await readdir(sharedCache)).toEqual([]);
  }, 60_000);

  it('says which Node it needs when run on an older one, before loading anything', async (ctx) => {
    const old = await olderNode();
    if (!old) return ctx.skip('no Node.js older than 24 on this machine');
    for (const args of [['--version'], ['status'], ['agent']]) {
      const result = await run(old.path, ['dist/cli/driveup.js', ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^DriveUp needs Node\\.js 24 or newer; this is ${old.version.slice(1)}\\.\\n`),
      );
      expect(result.stderr).not.toMatch(/sqlite|Error/);
    }
  }, 60_000);
});
