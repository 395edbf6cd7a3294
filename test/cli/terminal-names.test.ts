import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';

/** Retitles the window, rings the bell, clears the screen; then a right-to-left override. */
const HOSTILE = 'evil\x1b]0;pwned\x07\x1b[2J\u202Efdp.exe';
/** What no byte of human output may contain: C0 controls but newline, DEL, C1, bidi overrides. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('names cannot attack the terminal', () => {
  let agent: CliAgent;
  let file: string;
  let folder: string;

  beforeAll(async () => {
    // The agent's home has a hostile name too: it is in `status` and the "no agent" message.
    agent = await startCliAgent({ homeName: 'h\x1b[2J' });
    folder = join(agent.home, `watched-${HOSTILE}`);
    await mkdir(folder);
    file = join(agent.home, `${HOSTILE}.txt`);
    await writeFile(file, 'contents');
  }, 60_000);

  afterAll(() => agent?.close());

  it('escapes control characters in add, queue, history, watch and status output', async () => {
    const outputs = [
      await runDriveup(['add', file, '--to', `To-${HOSTILE}`, '--wait'], agent.env),
      await runDriveup(['queue'], agent.env),
      await runDriveup(['history'], agent.env),
      await runDriveup(['watch', 'add', folder, '--to', 'W'], agent.env),
      await runDriveup(['watch', 'list'], agent.env),
      await runDriveup(['status'], agent.env),
    ];
    for (const { code, stdout, stderr } of outputs) {
      expect(code, stderr).toBe(0);
      expect(stdout).not.toMatch(RAW_CONTROL);
      expect(stderr).not.toMatch(RAW_CONTROL);
    }
    const [added, queue, history, watchAdd, watchList] = outputs;
    for (const { stdout } of [added!, queue!, history!, watchAdd!, watchList!])
      expect(stdout).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J\\u202efdp.exe');
  });

  it('escapes them in error lines', async () => {
    const missing = await runDriveup(['add', join(agent.home, `gone-${HOSTILE}`)], agent.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('gone-evil\\x1b');
    expect(missing.stderr).not.toMatch(RAW_CONTROL);
  });

  it('keeps the exact name with --json', async () => {
    const { stdout } = await runDriveup(['queue', '--json'], agent.env);
    const { jobs } = JSON.parse(stdout) as { jobs: Array<{ name: string; folderPath: string }> };
    expect(jobs.map((j) => j.name)).toContain(`${HOSTILE}.txt`);
    expect(jobs.map((j) => j.folderPath)).toContain(`To-${HOSTILE}`);
  });

  it('escapes the data directory in the "no agent" message', async () => {
    await agent.stop();
    const status = await runDriveup(['status'], agent.env);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('h\\x1b[2J');
    expect(status.stderr).not.toMatch(RAW_CONTROL);
  });
});
