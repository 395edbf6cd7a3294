import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';
import { FOLDER_MIME } from '../support/fake-google/index.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Someone else's folder, with what they keep there. */
async function privateFolder() {
  const dir = join(await tempDir(), 'private');
  await mkdir(dir);
  await writeFile(join(dir, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  return dir;
}

/** Every job the agent has, finished (each file the rule settled on has been handed over). */
async function settled(h: AgentHarness): Promise<void> {
  await h.agent.watch.whenIdle();
  const open = h.agent.queue
    .list({ limit: 1000 })
    .jobs.filter((job) => !['done', 'failed', 'cancelled'].includes(job.state));
  await Promise.all(
    open.map((job) =>
      Promise.race([
        h.next('job.done', (e) => e.job.id === job.id),
        h.next('job.failed', (e) => e.job.id === job.id && !e.willRetry),
      ]),
    ),
  );
}

const uploadedNames = (h: AgentHarness) =>
  h.fake
    .files()
    .filter((f) => f.mimeType !== FOLDER_MIME)
    .map((f) => f.name)
    .sort();

/**
 * Threat: a symbolic link to a whole folder (another user's home, /etc) made in a watched or
 * added folder, pulling that tree into the upload.
 */
describe('a symbolic link to a folder outside', () => {
  it('made in a watched folder while it is watched: never followed, listed as skipped', async () => {
    harness = await startAgentHarness();
    const h = harness;
    const folder = join(await tempDir(), 'drop');
    await mkdir(folder);
    const { rule } = await h.agent.watch.addRule({ folder, stabilityWindowMs: 100 });
    const real = h.next('job.done', (e) => e.job.name === 'real.txt');

    await symlink(await privateFolder(), join(folder, 'photos'));
    await writeFile(join(folder, 'real.txt'), 'mine');
    await real;
    await settled(h);

    expect(uploadedNames(h)).toEqual(['real.txt']);
    expect(h.agent.watch.skippedFiles(rule.id)).toEqual([
      { path: 'photos', reason: 'symlink', message: expect.stringContaining('symbolic link') },
    ]);
  });

  it('in a watched folder that follows links: links to folders are still never followed', async () => {
    harness = await startAgentHarness();
    const h = harness;
    const folder = join(await tempDir(), 'drop');
    await mkdir(join(folder, 'inside'), { recursive: true });
    await writeFile(join(folder, 'inside', 'a.txt'), 'a');
    await symlink(await privateFolder(), join(folder, 'photos'));
    await symlink(join(folder, 'inside'), join(folder, 'again'));

    const { rule } = await h.agent.watch.addRule({
      folder,
      stabilityWindowMs: 100,
      followSymlinks: true,
    });
    await h.next('job.done', (e) => e.job.name === 'a.txt');
    await settled(h);

    expect(uploadedNames(h)).toEqual(['a.txt']);
    expect(h.agent.watch.skippedFiles(rule.id).map((s) => [s.path, s.reason])).toEqual([
      ['again', 'symlink'],
      ['photos', 'outside'],
    ]);
  });

  it('in an added folder: skipped and said so', async () => {
    harness = await startAgentHarness();
    const folder = join(await tempDir(), 'project');
    await mkdir(folder);
    await writeFile(join(folder, 'report.pdf'), 'report');
    await symlink(await privateFolder(), join(folder, 'photos'));

    const { jobs, skipped } = await harness.agent.add({ paths: [folder], source: 'cli' });

    expect(jobs.map((job) => job.name)).toEqual(['report.pdf']);
    expect(skipped.map((s) => [s.path, s.reason])).toEqual([[join(folder, 'photos'), 'symlink']]);
  });
});
