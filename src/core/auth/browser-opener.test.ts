import { watch } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { systemBrowserOpener } from './browser-opener.ts';

const tempDir = useTempDir();

/** Resolves with the file's text once it appears in `dir` (written whole, then renamed in). */
function fileAppears(dir: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, () => {
      readFile(join(dir, name), 'utf8').then(
        (text) => {
          watcher.close();
          resolve(text);
        },
        () => undefined,
      );
    });
    watcher.on('error', reject);
  });
}

describe.runIf(process.platform === 'linux')('the system browser opener', () => {
  it('starts the browser with none of DriveUp’s secrets, nor any token, in its environment', async () => {
    const dir = await tempDir();
    // Stands in for xdg-open, found on PATH as the real one would be: prints what it was given.
    const script = join(dir, 'xdg-open');
    await writeFile(
      script,
      '#!/bin/sh\n{ echo "URL=$1"; env; } > "$0.out.tmp"\nmv "$0.out.tmp" "$0.out"\n',
    );
    await chmod(script, 0o755);
    const env = {
      PATH: `${dir}:/usr/bin:/bin`,
      HOME: '/home/alice',
      LANG: 'C.UTF-8',
      DRIVEUP_SECRET_KEY: 'passphrase-that-encrypts-tokens',
      DRIVEUP_GOOGLE_CLIENT_SECRET: 'GOCSPX-client-secret',
      DRIVEUP_MONGODB_URI: 'mongodb://alice:mongo-password@db/',
      DRIVEUP_HOME: '/home/alice/driveup',
      GITHUB_TOKEN: 'ghp_personal-token',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    };
    const printed = fileAppears(dir, 'xdg-open.out');
    await systemBrowserOpener(() => env)('https://accounts.example/o/oauth2?x=1&y=2');
    const output = await printed;
    expect(output).toContain('URL=https://accounts.example/o/oauth2?x=1&y=2');
    expect(output).toContain('HOME=/home/alice');
    expect(output).toContain('LANG=C.UTF-8');
    for (const secret of [
      'passphrase-that-encrypts-tokens',
      'GOCSPX-client-secret',
      'mongo-password',
      'ghp_personal-token',
      'aws-secret',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/^DRIVEUP_/m);
  });

  it('rejects when the opener finds no browser (a machine without a desktop), never claiming it opened', async () => {
    const dir = await tempDir();
    // As xdg-open answers on a server reached over SSH: "no method available", exit 3.
    const script = join(dir, 'xdg-open');
    await writeFile(script, '#!/bin/sh\necho "xdg-open: no method available" >&2\nexit 3\n');
    await chmod(script, 0o755);
    const open = systemBrowserOpener(() => ({ PATH: `${dir}:/usr/bin:/bin` }));
    await expect(open('https://accounts.example/')).rejects.toThrow(
      'xdg-open found no browser to show it (exited with 3)',
    );
  });

  it('rejects when there is no browser to start, so the caller shows the address', async () => {
    const dir = await tempDir();
    const open = systemBrowserOpener(() => ({ PATH: dir }));
    await expect(open('https://accounts.example/')).rejects.toThrow(/ENOENT/);
  });
});
