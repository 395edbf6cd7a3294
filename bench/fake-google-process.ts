// The fake Google server in a process of its own, so its work never counts against the agent's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FakeGoogleState } from '../test/support/fake-google/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface FakeGoogleProcess {
  url: string;
  /** What `GET /__admin/state` answers: every stored file and folder, with md5. */
  state(): Promise<FakeGoogleState>;
  stop(): Promise<void>;
}

export async function startFakeGoogleProcess(): Promise<FakeGoogleProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'test/support/fake-google/cli.ts'), '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on(
      'line',
      (text) => text.includes('listening on') && resolve(text),
    );
    child.once('exit', (code) =>
      reject(new Error(`fake-google exited (${code}) before listening`)),
    );
  });
  const url = line.split(' ').at(-1)!;
  return {
    url,
    state: async () => {
      const response = await fetch(`${url}/__admin/state`);
      if (!response.ok) throw new Error(`fake-google state answered ${response.status}`);
      return (await response.json()) as FakeGoogleState;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
