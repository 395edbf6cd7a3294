import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { HistorySyncStatus } from '../../src/core/history/outbox-worker.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { openMongoTarget, type MongoTarget } from '../history/mongo-target.ts';
import {
  runDriveup,
  signInWithCli,
  startDriveup,
  waitForLine,
} from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';

/**
 * The shared history as a person reads it, against the MongoDB stand-in (or a real server when
 * MONGODB_URI is set): records MongoDB refuses are counted, with the reason, and a search it
 * answers says how many of this machine's records it cannot know about yet.
 */
describe('driveup history and status with MongoDB', () => {
  let fake: FakeGoogle;
  let mongo: MongoTarget;
  let agent: ChildProcess;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    fake = await startFakeGoogle();
    mongo = await openMongoTarget();
    home = await mkdtemp(join(tmpdir(), 'du-'));
    env = { ...fakeGoogleEnv(fake.url, home), DRIVEUP_MONGODB_URI: mongo.uri };
    // Someone's tool put a unique index on names: a second record of a name is refused.
    const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 3000 });
    await client
      .db(mongo.database)
      .collection('history')
      .createIndex({ name: 1 }, { unique: true });
    await client.close();
    const database = await runDriveup(
      ['settings', 'set', 'history.mongodbDatabase', mongo.database],
      env,
    );
    expect(database.code).toBe(0);
    agent = startDriveup(['agent', '--json'], env);
    await waitForLine(agent, /"pid"/);
    await signInWithCli(env);
  });

  afterAll(async () => {
    if (agent?.exitCode === null) {
      agent.kill('SIGKILL');
      await once(agent, 'exit');
    }
    await fake.close();
    await mongo.close();
    await rm(home, { recursive: true, force: true });
  });

  /** Resolves once the agent's history sync status passes `accept` (now or on a later event). */
  function syncWhere(accept: (status: HistorySyncStatus) => boolean): Promise<void> {
    const client = createSocketClient<AppRouter>(resolvePaths({ env }).socketPath);
    return new Promise((resolve, reject) => {
      const check = async () => {
        if (accept(await client.history.status.query())) {
          subscription.unsubscribe();
          resolve();
        }
      };
      const subscription = client.events.subscribe(
        {},
        {
          onStarted: () => void check().catch(reject),
          onData: ({ data }) => {
            if (data.type === 'history.sync') void check().catch(reject);
          },
          onError: reject,
        },
      );
    });
  }

  it('counts a refused record in status and says a MongoDB search cannot find it', async () => {
    const files: Array<[string, string]> = [];
    for (const [dir, name] of [
      ['a', 'dup.txt'],
      ['b', 'dup.txt'],
      ['a', 'other.txt'],
    ] as const) {
      await mkdir(join(home, 'files', dir), { recursive: true });
      const path = join(home, 'files', dir, name);
      await writeFile(path, `${dir}/${name}\n`);
      files.push([path, dir.toUpperCase()]);
    }
    for (const [path, folder] of files) {
      const added = await runDriveup(['add', path, '--to', folder, '--wait'], env);
      expect(added.code).toBe(0);
    }
    await syncWhere((s) => s.reachable && s.waiting === 0 && s.refused === 1);

    const status = await runDriveup(['status'], env);
    expect(status.stdout).toMatch(
      /^History {4}history in sync with MongoDB; 1 record refused by MongoDB \(last: .*duplicate key.*\)$/m,
    );
    const json = JSON.parse((await runDriveup(['history', '--json'], env)).stdout);
    expect(json).toMatchObject({ backend: 'mongodb', notInMongodb: 1 });
    expect(json.items.map((r: { name: string }) => r.name).sort()).toEqual([
      'dup.txt',
      'other.txt',
    ]);
    const human = await runDriveup(['history'], env);
    expect(human.stdout).toMatch(
      /2 result\(s\) from the mongodb history\. 1 of this machine's record\(s\) are not in MongoDB yet/,
    );
    const none = await runDriveup(['history', 'nothing-like-this'], env);
    expect(none.stdout).toMatch(
      /^Nothing found \(searched the mongodb history\)\. 1 of this machine's record\(s\) are not in MongoDB yet/,
    );
  });
});
