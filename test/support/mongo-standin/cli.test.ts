import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

it('serves the driver from its own process and prints where', async () => {
  const child = spawn(process.execPath, [CLI, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const uri = /^mongo-standin listening on (mongodb:\/\/\S+)$/.exec(line)?.[1];
    expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\//);

    const client = new MongoClient(uri!, { serverSelectionTimeoutMS: 10_000 });
    try {
      expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    } finally {
      await client.close();
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
