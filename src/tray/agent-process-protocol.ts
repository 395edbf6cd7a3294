import { z } from 'zod';

/**
 * Messages between main and the agent process over `process.parentPort` (Electron's utility
 * process). The agent-process entry (issue 15) speaks it:
 * - main → agent `{ type: 'connect', client }` with one MessagePort: serve the API on it
 *   (`client` names the window or `tray`, for the log);
 * - main → agent `{ type: 'stop' }`: stop the agent (running uploads keep their offset) and exit;
 * - agent → main `{ type: 'ready' }` once the agent is started and serving;
 * - agent → main `{ type: 'failed', message }` when it cannot start (then it exits);
 * - agent → main `{ type: 'secret', id, op, context, data }`: the secret cipher (tokens are
 *   encrypted with Electron's safeStorage, which only main has); main answers
 *   `{ type: 'secret-reply', id, ok: true, data }` or `{ …, ok: false, message }`. `seal` takes
 *   the plaintext and gives base64, `open` the reverse; `protection` gives `os` or `none` (Linux
 *   without a keyring, where safeStorage falls back to a fixed key).
 */
export type ToAgentProcess = { type: 'connect'; client: string } | { type: 'stop' } | SecretReply;

export const secretRequestSchema = z.object({
  type: z.literal('secret'),
  id: z.int(),
  op: z.enum(['seal', 'open', 'protection']),
  context: z.string().max(1_000),
  data: z.string().max(1_000_000),
});
export type SecretRequest = z.infer<typeof secretRequestSchema>;
export type SecretReply =
  | { type: 'secret-reply'; id: number; ok: true; data: string }
  | { type: 'secret-reply'; id: number; ok: false; message: string };

export const fromAgentProcessSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('failed'), message: z.string().max(10_000) }),
  secretRequestSchema,
]);
export type FromAgentProcess = z.infer<typeof fromAgentProcessSchema>;
