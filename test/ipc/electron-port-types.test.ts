import type { MessagePortMain, ParentPort } from 'electron';
import { describe, expectTypeOf, it } from 'vitest';
import type { UtilityParentPortLike } from '../../src/ipc/server/agent-process.ts';
import type { MessagePortMainLike } from '../../src/ipc/node/electron-message-port.ts';

/**
 * src/ipc types Electron's ports structurally (it never imports Electron, and Electron cannot run
 * here). These checks fail `npm run typecheck` if Electron's own types stop fitting them.
 */
describe("Electron's ports fit the adapters", () => {
  it('MessagePortMain fits the message-port adapter', () => {
    expectTypeOf<MessagePortMain>().toExtend<MessagePortMainLike>();
  });

  it("a utilityProcess's process.parentPort fits the agent process entry", () => {
    expectTypeOf<ParentPort>().toExtend<UtilityParentPortLike>();
  });
});
