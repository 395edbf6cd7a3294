import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DRIVE_FULL } from '../../src/core/drive/drive-errors.ts';
import type { NotificationBatch } from '../../src/core/notifications/notification-batch.ts';
import {
  feedBatcher,
  NotificationBatcher,
} from '../../src/core/notifications/notification-batcher.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';
import { ManualClock } from '../support/queue/manual-clock.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The batcher fed by a real agent's bus: what the tray's notifications will say. */
describe('notification batches from a real agent', () => {
  it('sums up real uploads and a real failure, one batch per window', async () => {
    harness = await startAgentHarness();
    const { agent, fake } = harness;
    const clock = new ManualClock();
    const batches: NotificationBatch[] = [];
    const batcher = new NotificationBatcher({
      settings: () => agent.settings().notifications,
      onBatch: (batch) => batches.push(batch),
      clock,
    });
    const unsubscribe = feedBatcher(agent.bus, batcher);

    const paths = await Promise.all(
      ['a.txt', 'b.txt', 'c.txt'].map(async (name) => {
        const path = join(harness!.home, name);
        await writeFile(path, `content of ${name}`);
        return path;
      }),
    );
    let finished = 0;
    const allDone = harness.next('job.done', () => ++finished === 3);
    await agent.add({ paths, folder: 'Lab/2026', source: 'drop' });
    await allDone;
    expect(batches).toEqual([]);
    clock.advance(agent.settings().notifications.batchSeconds * 1000);
    expect(batches.map((b) => b.summary)).toEqual(['3 files uploaded to Lab/2026']);
    const inDrive = new Set(fake.files().map((f) => f.name));
    for (const job of batches[0]!.jobs) {
      expect(job.state).toBe('done');
      expect(job.webViewLink).toBeTruthy();
      expect(inDrive.has(job.name)).toBe(true);
    }

    fake.addFault({ path: '/upload/drive/v3/files', status: 403, reason: 'storageQuotaExceeded' });
    const full = join(harness.home, 'full.txt');
    await writeFile(full, 'does not fit');
    const failed = harness.next('job.failed', (d) => !d.willRetry);
    await agent.add({ paths: [full], folder: 'Lab/2026', source: 'drop' });
    await failed;
    clock.advance(agent.settings().notifications.batchSeconds * 1000);
    expect(batches.map((b) => b.summary)).toEqual([
      '3 files uploaded to Lab/2026',
      `1 upload failed: ${DRIVE_FULL}`,
    ]);
    expect(batcher.get(batches[1]!.id)?.jobs[0]?.name).toBe('full.txt');
    unsubscribe();
  });
});
