import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

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
