import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { drive as driveClient } from '@googleapis/drive';
import { expect, it } from 'vitest';

it('`npm run fake-google -- --port 0` prints its URL first and serves Drive until killed', async () => {
  const child = spawn(
    'node_modules/.bin/node',
    ['test/support/fake-google/cli.ts', '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    const match = /^fake-google listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
    expect(match).not.toBeNull();
    const url = match?.[1] ?? '';

    const tokens = (await (await fetch(`${url}/__admin/tokens`, { method: 'POST' })).json()) as {
      access_token: string;
    };
    const drive = driveClient({ version: 'v3', rootUrl: `${url}/` });
    const { data } = await drive.files.list(
      { fields: 'files(id)' },
      { headers: { Authorization: `Bearer ${tokens.access_token}` } },
    );
    expect(data.files).toEqual([]);
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }
});
