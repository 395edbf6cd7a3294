import { execFile } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** What ships is the bundle, not the sources: it must start and answer as the sources do. */
describe('npm run build', () => {
  it('bundles a driveup command that runs on its own', async () => {
    await run(process.execPath, ['scripts/build.ts'], { timeout: 120_000 });
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
  }, 180_000);
});
