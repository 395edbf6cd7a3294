import type { Writable } from 'node:stream';
import { resolvePaths } from '../core/config/paths.ts';
import { transformer } from '../ipc/common/transformer.ts';
import { answerText } from './answer-text.ts';
import type { AgentStatus } from './api-views.ts';
import { drained, guardOutput } from './output-drain.ts';
import { renderStatus } from './status-view.ts';

const { createConnection } = process.getBuiltinModule('node:net');

/**
 * The arguments `driveup status` can be answered with by {@link quickStatus}: the command alone,
 * with or without `--json`. Anything else (help, a typo, another option) goes to the full CLI.
 */
export function isQuickStatus(args: readonly string[]): boolean {
  const rest = args.filter((arg) => arg !== '--json');
  return rest.length === 1 && rest[0] === 'status' && args.length - rest.length <= 1;
}

/**
 * `driveup status` as one request on the agent's socket, printed as the full CLI prints it
 * (status-view.ts, answer-text.ts). Resolves true once the answer has left the process.
 *
 * Why a second path: status is what prompts, status bars and monitoring scripts run, over and over,
 * and the full CLI spends ~20 ms of its ~60 ms loading commander and the tRPC client for one
 * query that the agent answers in ~1.5 ms. This speaks tRPC's batch format itself for that one
 * query (the procedure, its output type and superjson are the router's own), and a test holds its
 * output byte for byte to the full path's.
 *
 * It only answers when everything goes right: with no agent, a refusal, or anything it does not
 * expect, it resolves false having printed nothing, and the full CLI runs the command again and
 * says what went wrong, as it always has. Status only reads, so asking twice changes nothing.
 */
export async function quickStatus(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: Writable = process.stdout,
): Promise<boolean> {
  const body = await ask(resolvePaths({ env }).socketPath).catch(() => undefined);
  const text = body === undefined ? undefined : textOf(body, args.includes('--json'));
  if (text === undefined) return false;
  guardOutput([out], { json: args.includes('--json') });
  out.write(text);
  await drained(out);
  return true;
}

/**
 * What to print for a batch answer, or undefined when it is anything but a status this CLI can
 * word (a refusal, or the answer of an agent of another version that words it differently).
 */
function textOf(body: string, json: boolean): string | undefined {
  try {
    const [answer] = JSON.parse(body) as [
      { result?: { data?: Parameters<typeof transformer.deserialize>[0] } },
    ];
    const data = answer?.result?.data;
    if (!data) return undefined;
    const status = transformer.deserialize<AgentStatus>(data);
    return answerText(status, () => renderStatus(status), json);
  } catch {
    return undefined;
  }
}

/**
 * tRPC's batch of one, as `httpBatchLink` with `methodOverride: 'POST'` sends a query, written on
 * the socket by hand: loading node:http's client costs ~6 ms, more than everything else this path
 * adds to a bare `node` start. As HTTP/1.0, so the agent's server answers without chunked encoding
 * and ends the connection after the body: the answer is its head, a blank line, then the body.
 */
function ask(socketPath: string): Promise<string> {
  const body = JSON.stringify({ 0: transformer.serialize(undefined) });
  const head = [
    'POST /agent.status?batch=1 HTTP/1.0',
    'Host: driveup.localhost',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      try {
        resolve(bodyOfOk(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error as Error);
      }
    });
    socket.on('error', reject);
    // Written, not ended: the agent's HTTP/1.0 answer ends the connection, and a half-closed
    // named pipe (Windows) can drop the answer.
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  });
}

/** The body of a `200` answer that is neither chunked nor compressed; else throws. */
export function bodyOfOk(answer: string): string {
  const end = answer.indexOf('\r\n\r\n');
  const [status = '', ...headers] = answer.slice(0, Math.max(end, 0)).split('\r\n');
  if (end < 0 || !/^HTTP\/1\.[01] 200 /.test(status))
    throw new Error(`Not an OK answer: ${status}`);
  if (headers.some((h) => /^(transfer|content)-encoding:/i.test(h)))
    throw new Error('An encoded answer');
  return answer.slice(end + 4);
}
