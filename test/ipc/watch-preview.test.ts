import { afterEach, describe, expect, it } from 'vitest';
import { createAppRouter, type AppRouter } from '../../src/ipc/server/app-router.ts';
import { createInProcessClient } from '../../src/ipc/server/in-process-client.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Settings' live preview of a watch rule's destination template. */
describe('watch.previewDestination', () => {
  it("expands a template as the watcher does, with this machine's name", async () => {
    harness = await startAgentHarness({
      signedIn: false,
      settings: { machineName: 'scope/2' },
    });
    const api = createInProcessClient<AppRouter>(
      createAppRouter(harness.agent, { requestShutdown: () => {} }),
    );
    const modifiedAt = new Date(2026, 2, 7, 12, 0);
    expect(
      await api.watch.previewDestination.query({
        template: 'Lab/{machine}/{relativeDir}/{yyyy}-{mm}-{dd}',
        relativeDir: 'plate-3/raw',
        modifiedAt,
      }),
    ).toEqual({ folderPath: 'Lab/scope-2/plate-3/raw/2026-03-07', problem: null });
    expect(
      await api.watch.previewDestination.query({ template: 'Lab/{relativeDir}', modifiedAt }),
    ).toEqual({ folderPath: 'Lab', problem: null });
    expect(await api.watch.previewDestination.query({ template: 'Lab/{month}' })).toEqual({
      folderPath: null,
      problem: 'unknown placeholder {month}; use {machine}, {relativeDir}, {yyyy}, {mm}, {dd}',
    });
  });
});
