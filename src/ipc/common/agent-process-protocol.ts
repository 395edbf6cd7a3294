import { z } from 'zod';

/**
 * The one protocol between the agent process and whatever hosts it: Electron's main over
 * `process.parentPort` (a `utilityProcess`), or a Node thread over a worker's `parentPort`
 * (tests, benchmarks). Main (src/tray) and the agent-process entry (src/ipc/server) both import
 * it, and both check what they receive against these schemas.
 *
 * - host → agent `{ type: 'connect', client }` with one port: serve the API on it (`client`
 *   names the window or `tray`, for the log). Electron carries the port in the transfer list;
 *   a worker thread, which has no separate list, in the message's `port` field as well;
 * - host → agent `{ type: 'stop' }`: stop the agent (running uploads keep their offset) and exit;
 * - agent → host `{ type: 'ready' }` once the agent is started and serving;
 * - agent → host `{ type: 'failed', message }` when it cannot start (then it exits);
 * - agent → host `{ type: 'secret', id, op, context, data }`: the secret cipher (tokens are
 *   sealed with Electron's safeStorage, which only main has); the host answers
 *   `{ type: 'secret-reply', id, ok: true, data }` or `{ …, ok: false, message }`. `seal` takes
 *   the plaintext and gives base64, `open` the reverse; `protection` gives `os` or `none` (Linux
 *   without a keyring, where safeStorage falls back to a fixed key).
 */
export const secretRequestSchema = z.object({
  type: z.literal('secret'),
  id: z.int(),
  op: z.enum(['seal', 'open', 'protection']),
  context: z.string().max(1_000),
  data: z.string().max(1_000_000),
});
export type SecretRequest = z.infer<typeof secretRequestSchema>;

export const secretReplySchema = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('secret-reply'),
    id: z.int(),
    ok: z.literal(true),
    data: z.string().max(1_000_000),
  }),
  z.object({
    type: z.literal('secret-reply'),
    id: z.int(),
    ok: z.literal(false),
    message: z.string().max(10_000),
  }),
]);
export type SecretReply = z.infer<typeof secretReplySchema>;

export const connectMessageSchema = z.object({
  type: z.literal('connect'),
  client: z.string().max(100),
});

export const toAgentProcessSchema = z.union([
  connectMessageSchema,
  z.object({ type: z.literal('stop') }),
  secretReplySchema,
]);
export type ToAgentProcess = z.infer<typeof toAgentProcessSchema>;

export const fromAgentProcessSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('failed'), message: z.string().max(10_000) }),
  secretRequestSchema,
]);
export type FromAgentProcess = z.infer<typeof fromAgentProcessSchema>;
