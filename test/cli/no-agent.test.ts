import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDriveup } from '../support/driveup-process.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

/**
 * With no agent, every command that needs one says so in the same two lines and exits 3,
 * including those that open the event stream first (`add --wait`, `signin`), which used to print
 * a hundred-line TRPCClientError dump.
 */
describe('no agent running', () => {
  it('answers every command with the two-line "no agent" message and exit code 3', async () => {
    const home = await tempDir();
    const file = join(home, 'a.txt');
    await writeFile(file, 'a');
    const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
    const commands = [
      ['status'],
      ['whoami'],
      ['add', file],
      ['add', file, '--wait'],
      ['add', file, '--wait', '--json'],
      ['queue'],
      ['pause'],
      ['resume'],
      ['retry', '--failed'],
      ['cancel', 'abcd1234'],
      ['watch', 'list'],
      ['watch', 'add', home],
      ['watch', 'remove', 'abcd1234'],
      ['history', 'report'],
      ['signin', '--no-browser'],
      ['signout'],
    ];
    const results = await Promise.all(commands.map((args) => runDriveup(args, env)));
    results.forEach(({ code, stdout, stderr }, i) => {
      const what = commands[i]!.join(' ');
      expect(code, `${what}: ${stderr}`).toBe(3);
      expect(stdout, what).toBe('');
      if (commands[i]!.includes('--json')) {
        expect(JSON.parse(stderr), what).toMatchObject({ exitCode: 3 });
        return;
      }
      expect(stderr, what).toBe(
        `No DriveUp agent is running for ${join(home, 'data')}.\n` +
          'Start one with `driveup agent` (or open the DriveUp app).\n',
      );
    });
  }, 120_000);
});
