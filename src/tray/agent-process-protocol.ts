import { z } from 'zod';

/**
 * Messages between main and the agent process over `process.parentPort` (Electron's utility
 * process). The agent-process entry (issue 15) speaks it:
 * - main → agent `{ type: 'connect', client }` with one MessagePort: serve the API on it
 *   (`client` names the window or `tray`, for the log);
 * - main → agent `{ type: 'stop' }`: stop the agent (running uploads keep their offset) and exit;
 * - agent → main `{ type: 'ready' }` once the agent is started and serving;
 * - agent → main `{ type: 'failed', message }` when it cannot start (then it exits).
 */
export type ToAgentProcess = { type: 'connect'; client: string } | { type: 'stop' };

export const fromAgentProcessSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('failed'), message: z.string().max(10_000) }),
]);
export type FromAgentProcess = z.infer<typeof fromAgentProcessSchema>;
