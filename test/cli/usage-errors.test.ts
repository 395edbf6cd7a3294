import { describe, expect, it } from 'vitest';
import { runDriveup } from '../support/driveup-process.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

/**
 * A mistake on the command line exits 2 before any agent is asked. A script that passed `--json`
 * reads every error as one JSON line on stderr, this one too.
 */
describe('usage errors', () => {
  const mistakes = [
    { args: ['stauts'], says: /unknown command 'stauts'[\s\S]*Did you mean status\?/ },
    { args: ['queue', '--bogus'], says: /unknown option '--bogus'/ },
    { args: ['add'], says: /missing required argument 'paths'/ },
  ];

  it('with --json: one JSON line saying what was wrong and where usage is, exit 2', async () => {
    const env = { DRIVEUP_HOME: await tempDir() };
    for (const { args, says } of mistakes) {
      const result = await runDriveup([...args, '--json'], env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      const error = JSON.parse(lines[0]!) as { error: string; exitCode: number };
      expect(error.exitCode).toBe(2);
      expect(error.error).toMatch(says);
      expect(error.error).toMatch(/driveup --help/);
    }
  });

  it('without it: the message and where usage is, for people, exit 2', async () => {
    const env = { DRIVEUP_HOME: await tempDir() };
    for (const { args, says } of mistakes) {
      const result = await runDriveup(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(says);
      expect(result.stderr).toMatch(/\(run `driveup --help` for usage\)\n$/);
      expect(result.stderr).not.toMatch(/^\{/);
    }
  });
});
