import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ZodError } from 'zod';
import type { Agent } from '../../core/agent.ts';
import { AddPathError } from '../../core/queue/add-request.ts';
import { EnqueueError } from '../../core/queue/file-versions.ts';
import { StagingError, type StagingArea } from '../../core/staging/staging-area.ts';

/** A file a browser sends: its bytes, the name it had, where in Drive it goes, its announced size. */
export interface BrowserUpload {
  body: Readable;
  name: string;
  /** Drive folder path; the default folder when absent. */
  folder: string | undefined;
  size: number;
}

/** Keeps the bytes somewhere and queues them; resolves with the jobs created. */
export type StageAndQueue = (upload: BrowserUpload) => Promise<{ jobIds: string[] }>;

/**
 * The usual StageAndQueue: stage the bytes, then queue the staged file. When the queue refuses it
 * the staged copy goes at once, so a refused file leaves nothing behind. After that the agent
 * owns it: deleted once its job is done or cancelled, kept while it failed (Retry reads it).
 */
export function stageThenQueue(
  staging: StagingArea,
  enqueue: (path: string, folder: string | undefined) => Promise<Array<{ id: string }>>,
): StageAndQueue {
  return async ({ body, name, folder, size }) => {
    const path = await staging.stage(body, name, { expectedBytes: size });
    try {
      const jobs = await enqueue(path, folder);
      return { jobIds: jobs.map((job) => job.id) };
    } catch (error) {
      await staging.release(path);
      throw error;
    }
  };
}

/** Queues a staged file through the agent as a `browser` upload (see Agent.addStaged). */
export function queueWithAgent(agent: Agent) {
  return (path: string, folder: string | undefined) => agent.addStaged(path, folder);
}

const STATUS_BY_REFUSAL: Record<StagingError['reason'], number> = {
  'bad-name': 400,
  incomplete: 400,
  'too-large': 413,
  'disk-full': 507,
};

/**
 * `POST /upload?name=…&folder=…` with the file as the body (one request per file, so a browser
 * can show each file's progress while it sends). The length must be announced, so a full disk or
 * an oversized file is refused before a byte is written. Answers JSON: `{ jobIds }` or
 * `{ error: { reason, message } }`.
 */
export async function handleBrowserUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  stageAndQueue: StageAndQueue,
): Promise<void> {
  const name = url.searchParams.get('name');
  const folder = url.searchParams.get('folder') || undefined;
  const length = Number(req.headers['content-length']);
  if (!name) return refuse(res, 400, 'bad-name', 'Say the file name: POST /upload?name=…');
  if (req.headers['content-length'] === undefined || !Number.isSafeInteger(length) || length < 0) {
    return refuse(res, 411, 'length-required', 'Send the file with its length (Content-Length).');
  }
  try {
    const result = await stageAndQueue({ body: req, name, folder, size: length });
    sendJson(res, 200, result);
  } catch (error) {
    if (error instanceof StagingError) {
      return refuse(res, STATUS_BY_REFUSAL[error.reason], error.reason, error.message);
    }
    const refusal = queueRefusal(error);
    if (refusal) return refuse(res, 400, 'refused', refusal);
    refuse(res, 500, 'failed', `Could not queue ${name}: ${(error as Error).message}`);
  }
}

/** The queue's refusals (a bad folder name, a vanished file) are the sender's, in the engine's words. */
function queueRefusal(error: unknown): string | undefined {
  if (error instanceof ZodError) {
    return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  }
  if (error instanceof AddPathError || error instanceof EnqueueError) return error.message;
  return undefined;
}

function refuse(res: ServerResponse, status: number, reason: string, message: string): void {
  // The body may still be on its way: close the connection rather than read it to the end.
  if (!res.headersSent) res.setHeader('Connection', 'close');
  sendJson(res, status, { error: { reason, message } });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(JSON.stringify(value));
}
