import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The watcher, the real queue and uploader and the history, wired as the agent wires them. */
describe('a watched folder in a running agent', () => {
  it('uploads each new file once, into the templated folder, and records it in the history', async () => {
    harness = await startAgentHarness();
    const { agent, fake } = harness;
    const folder = join(harness.home, 'instrument');
    await mkdir(join(folder, 'run-7'), { recursive: true });
    await agent.watch.addRule({ folder, destination: 'Lab/{relativeDir}', stabilityWindowMs: 100 });

    const done = new Map<string, string>();
    const allDone = new Promise<void>((resolve) =>
      agent.bus.on('job.done', ({ job }) => {
        done.set(job.name, job.folderPath);
        if (done.size === 3) resolve();
      }),
    );
    await writeFile(join(folder, 'a.csv'), 'a');
    await writeFile(join(folder, 'run-7', 'b.csv'), 'b');
    await writeFile(join(folder, 'run-7', 'c.tmp'), 'temporary: never uploaded');
    await writeFile(join(folder, 'run-7', 'c.csv'), 'c');
    await allDone;

    expect(Object.fromEntries(done)).toEqual({
      'a.csv': 'Lab',
      'b.csv': 'Lab/run-7',
      'c.csv': 'Lab/run-7',
    });
    await agent.watch.rescan();
    await agent.watch.whenIdle();
    const names = fake
      .files()
      .map((f) => f.name)
      .filter((n) => n.includes('.csv') || n.includes('.tmp'));
    expect(names.sort()).toEqual(['a.csv', 'b.csv', 'c.csv']);
    const page = await agent.history.search({ text: 'csv' });
    expect(page.items.map((r) => r.name).sort()).toEqual(['a.csv', 'b.csv', 'c.csv']);
    expect(page.items.every((r) => r.source === 'watch' && r.status === 'uploaded')).toBe(true);
  });
});
