import { mkdir, writeFile } from 'node:fs/promises';
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

  it.skipIf(process.platform === 'win32')(
    'with a home whose socket path is too long for the kernel: says so, agent and commands alike',
    async () => {
      const home = join(await tempDir(), 'a-very-long-folder-name'.repeat(5));
      await mkdir(home, { mode: 0o700 });
      const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
      for (const args of [['agent'], ['status'], ['queue']]) {
        const { code, stderr } = await runDriveup(args, env);
        expect(code, args.join(' ')).toBe(1);
        expect(stderr).toMatch(
          /^The agent's socket path .+ is \d+ bytes long, but Unix sockets allow at most \d+\. Set DRIVEUP_HOME to a shorter directory/,
        );
      }
    },
  );
});
