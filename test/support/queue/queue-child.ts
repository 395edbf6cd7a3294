// The agent's upload queue in a process of its own, for crash tests: real database, real
// DriveUploader on the fake Google. Prints one JSON line per point a test may kill it at, and
// freezes at the point named by QUEUE_HOLD_AT (`<point>:<file name>`) until it is killed.
//
// Env: QUEUE_DB, QUEUE_FILES (JSON array of paths), FAKE_GOOGLE_URL, FAKE_GOOGLE_TOKENS (JSON),
// QUEUE_CONCURRENCY (default 3).
import { basename } from 'node:path';
import { googleEndpoints } from '../../../src/core/config/google-endpoints.ts';
import { DriveUploader } from '../../../src/core/drive/drive-uploader.ts';
import { createDriveAuthFromTokens } from '../drive/token-drive-auth.ts';
import type { Uploader } from '../../../src/core/drive/uploader.ts';
import { EventBus } from '../../../src/core/events/event-bus.ts';
import type { AgentEvents } from '../../../src/core/agent-events.ts';
import { UploadQueue } from '../../../src/core/queue/upload-queue.ts';
import { openAgentDatabase } from '../../../src/core/migrations.ts';

const env = process.env;
const holdAt = env.QUEUE_HOLD_AT ?? '';
const url = env.FAKE_GOOGLE_URL!;

function announce(point: string, name: string, extra: Record<string, unknown> = {}): void {
  const hold = holdAt === `${point}:${name}`;
  process.stdout.write(`${JSON.stringify({ point, name, hold, ...extra })}\n`);
  // Freezes the whole process, timers and sockets included, exactly here until SIGKILL.
  if (hold) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const db = openAgentDatabase(env.QUEUE_DB!);
const bus = new EventBus<AgentEvents>();
const drive = new DriveUploader({
  auth: createDriveAuthFromTokens(
    url,
    'fake-client-id',
    'fake-client-secret',
    JSON.parse(env.FAKE_GOOGLE_TOKENS!),
  ),
  apiRoot: googleEndpoints(url).apiRoot,
  chunkSizeBytes: 256 * 1024,
  multipartMaxBytes: 256 * 1024,
});
// Only to announce the moment a session is persisted and before its first chunk goes out.
const uploader: Uploader = {
  upload: (request) =>
    drive.upload({
      ...request,
      onSession: (uri) => {
        request.onSession(uri);
        if (uri) announce('session', request.name);
      },
    }),
};
const queue = new UploadQueue({
  db,
  bus,
  uploader,
  concurrency: Number(env.QUEUE_CONCURRENCY ?? 3),
  retry: { baseDelayMs: 10, maxDelayMs: 50 },
});
// Inside the transaction that marks the job done: a kill here loses that commit.
queue.finishing.add(({ job }) => announce('finishing', job.name));

bus.on('job.started', ({ job }) => announce('started', job.name));
bus.on('job.progress', ({ jobId, confirmedBytes, size }) => {
  const name = basename(queue.get(jobId)?.path ?? '');
  if (confirmedBytes > 0 && confirmedBytes < size) announce('confirmed', name, { confirmedBytes });
});

const paths = JSON.parse(env.QUEUE_FILES!) as string[];
await queue.enqueue(paths.map((path) => ({ path, folderPath: 'DriveUp/crash', source: 'watch' })));
await queue.start();
await new Promise<void>((resolve) => {
  const check = () => {
    const c = queue.counts();
    if (c.queued + c.running + c.retrying === 0) resolve();
  };
  bus.subscribe(check);
  check();
});
const jobs = queue.list({ limit: 1000 }).jobs;
process.stdout.write(`${JSON.stringify({ point: 'idle', counts: queue.counts(), jobs })}\n`);
await queue.stop();
drive.close();
db.close();
