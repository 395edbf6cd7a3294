import type { AnyTRPCProcedure } from '@trpc/server';
import { TRPCClientError } from '@trpc/client';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { createSocketRouter, type SocketRouter } from '../../src/ipc/server/socket-router.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { followSignInUrl } from '../support/follow-sign-in.ts';

/**
 * The API hands out views, never rows: a job's resumable session URI is a bearer capability for
 * its upload, and the lease and identity columns are the engine's business. Every procedure is
 * called for real (found by walking the router, so one added later must be called here too), with
 * a resumable upload under way, and every answer and every event is searched for them.
 */
const INTERNAL = ['sessionUri', 'leased', 'fingerprint', 'foundIn', 'followLinks', 'failingSince'];
const MIB = 1024 * 1024;

let fake: FakeGoogle;
let home: string;
let scratch: string;
let hosted: Awaited<ReturnType<typeof serveAgent>>;

beforeAll(async () => {
  fake = await startFakeGoogle();
  home = await mkdtemp(join(tmpdir(), 'du-'));
  scratch = await mkdtemp(join(tmpdir(), 'du-f-'));
  await writeFile(
    join(home, 'settings.json'),
    JSON.stringify({ uploads: { chunkSizeBytes: MIB }, notifications: { batchSeconds: 0 } }),
  );
  const env = fakeGoogleEnv(fake.url, home);
  const paths = resolvePaths({ env });
  hosted = await serveAgent({ paths, env, openBrowser: async () => {} }, [
    socketTransport(paths.socketPath),
  ]);
});

afterAll(async () => {
  await hosted?.stop();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

describe('the API answers with views', () => {
  it('gives every query and mutation an output schema', () => {
    const app = createAppRouter(hosted.agent, { requestShutdown: () => {} });
    const socket = createSocketRouter(app, { server: null });
    const procedures = Object.entries(
      socket._def.procedures as unknown as Record<string, AnyTRPCProcedure>,
    );
    const without = procedures
      .filter(([, procedure]) => procedure._def.type !== 'subscription')
      .filter(([, procedure]) => !(procedure._def as { output?: unknown }).output)
      .map(([path]) => path);
    expect(without).toEqual([]);
  });

  it('carries no session URI nor any other internal column, in any answer or event', async () => {
    const { agent } = hosted;
    const client = createSocketClient<SocketRouter>(agent.paths.socketPath);
    const events: unknown[] = [];
    const subscription = client.events.subscribe({}, { onData: ({ data }) => events.push(data) });
    const called = new Set<string>();
    const answers: unknown[] = [];
    const call = async <T>(path: string, run: () => Promise<T>): Promise<T> => {
      called.add(path);
      const answer = await run();
      answers.push(answer);
      return answer;
    };

    // Signed in through the fake's consent page, as a person would.
    const attempt = await call('auth.beginSignIn', () =>
      client.auth.beginSignIn.mutate({ openBrowser: false }),
    );
    if (attempt.kind !== 'started') throw new Error('no sign-in started');
    await followSignInUrl(attempt.url);
    await call('auth.signInOutcome', () =>
      client.auth.signInOutcome.query({ attemptId: attempt.attemptId }),
    );
    await call('auth.cancelSignIn', () => client.auth.cancelSignIn.mutate({}));

    // A resumable upload paused after its first chunk: its session URI is in the database.
    const large = join(scratch, 'large.bin');
    await writeFile(large, randomBytes(6 * MIB + 17));
    const small = join(scratch, 'small.txt');
    await writeFile(small, 'small');
    const sessionStored = new Promise<void>((resolve) =>
      agent.bus.on('job.progress', (p) => p.confirmedBytes > 0 && resolve()),
    );
    const smallDone = new Promise<void>((resolve) =>
      agent.bus.on('job.done', ({ job }) => job.name === 'small.txt' && resolve()),
    );
    const batched = new Promise<string>((resolve) =>
      agent.bus.on('notifications.batch', ({ batch }) => resolve(batch.id)),
    );
    fake.setBandwidth(2 * MIB);
    const added = await call('queue.add', () =>
      client.queue.add.mutate({ paths: [large, small], folder: 'Views' }),
    );
    await sessionStored;
    await smallDone;
    await call('queue.pause', () => client.queue.pause.mutate({ reason: 'Views test' }));
    fake.setBandwidth(null);
    const [largeJob, smallJob] = added.jobs;
    expect(agent.queue.get(largeJob!.id)?.sessionUri).toMatch(/^http/);

    await call('queue.list', () => client.queue.list.query({}));
    await call('queue.get', () => client.queue.get.query({ id: largeJob!.id }));
    await call('queue.status', () => client.queue.status.query());
    await call('activity.summary', () => client.activity.summary.query());
    await call('review.get', async () => client.review.get.query({ batchId: await batched }));
    await call('settings.get', () => client.settings.get.query());
    await call('settings.keys', () => client.settings.keys.query());
    await call('settings.update', () =>
      client.settings.update.mutate({ set: { machineName: 'views-pc' } }),
    );
    await call('queue.setConcurrency', () =>
      client.queue.setConcurrency.mutate({ concurrency: 2 }),
    );
    await call('queue.setBandwidth', () =>
      client.queue.setBandwidth.mutate({ bytesPerSecond: null }),
    );
    await call('agent.status', () => client.agent.status.query());
    await call('agent.version', () => client.agent.version.query());
    await call('auth.status', () => client.auth.status.query());
    await call('history.search', () => client.history.search.query({}));
    await call('history.get', () => client.history.get.query({ id: smallJob!.id }));
    await call('history.status', () => client.history.status.query());
    const watched = join(scratch, 'watched');
    await mkdir(watched);
    const rule = await call('watch.add', () => client.watch.add.mutate({ folder: watched }));
    await call('watch.list', () => client.watch.list.query());
    await call('watch.update', () =>
      client.watch.update.mutate({ id: rule.rule.id, patch: { stabilityWindowMs: 500 } }),
    );
    await call('watch.pause', () => client.watch.pause.mutate({ id: rule.rule.id }));
    await call('watch.resume', () => client.watch.resume.mutate({ id: rule.rule.id }));
    await call('watch.skipped', () => client.watch.skipped.query({ id: rule.rule.id }));
    await call('watch.previewDestination', () =>
      client.watch.previewDestination.query({ template: '{machine}/{yyyy}', relativeDir: 'a' }),
    );
    await call('watch.remove', () => client.watch.remove.mutate({ id: rule.rule.id }));
    await call('queue.add', () => client.queue.add.mutate({ paths: [large], dryRun: true }));
    const webOff = await call('web.openUrl', () =>
      client.web.openUrl.mutate({ page: 'history' }).catch((error: unknown) => error),
    );
    expect(webOff).toBeInstanceOf(TRPCClientError);
    expect((webOff as TRPCClientError<SocketRouter>).data).toMatchObject({
      code: 'PRECONDITION_FAILED',
      refusal: { kind: 'web-off' },
    });
    await call('queue.resume', () => client.queue.resume.mutate());
    await call('queue.cancel', () => client.queue.cancel.mutate({ id: largeJob!.id }));
    await call('queue.retry', () => client.queue.retry.mutate({ id: largeJob!.id }));
    await call('queue.cancel', () => client.queue.cancel.mutate({ id: largeJob!.id }));
    await call('queue.retry', () => client.queue.retry.mutate({ id: largeJob!.id }));
    await call('queue.cancelAll', () => client.queue.cancelAll.mutate({}));
    await call('history.trash', () => client.history.trash.mutate({ id: smallJob!.id }));
    await call('history.testConnection', () =>
      client.history.testConnection.mutate({ uri: 'mongodb://127.0.0.1:1', timeoutSeconds: 1 }),
    );
    await call('history.clear', () => client.history.clear.mutate({}));
    await call('auth.signOut', () => client.auth.signOut.mutate());
    // `agent.shutdown` is answered too, and stops the agent: asked last, after the events.
    subscription.unsubscribe();

    const socket = createSocketRouter(createAppRouter(agent, { requestShutdown: () => {} }), {
      server: null,
    });
    const every = Object.entries(
      socket._def.procedures as unknown as Record<string, AnyTRPCProcedure>,
    )
      .filter(([path, p]) => p._def.type !== 'subscription' && path !== 'agent.shutdown')
      .map(([path]) => path);
    expect(every.filter((path) => !called.has(path))).toEqual([]);
    expect(events.map((e) => (e as { type: string }).type)).toEqual(
      expect.arrayContaining(['job.queued', 'job.started', 'job.progress', 'job.done']),
    );
    expect(internalKeysIn(answers)).toEqual([]);
    expect(internalKeysIn(events)).toEqual([]);
  });
});

/** Every internal key anywhere in `value`, with where it was. */
function internalKeysIn(value: unknown, at = '', found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item, i) => internalKeysIn(item, `${at}[${i}]`, found));
  else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, inner] of Object.entries(value)) {
      if (INTERNAL.includes(key)) found.push(`${at}.${key}`);
      internalKeysIn(inner, `${at}.${key}`, found);
    }
  }
  return found;
}
