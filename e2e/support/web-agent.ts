import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeGoogleEnv } from '../../test/support/fake-google-env.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { SocketRouter } from '../../src/ipc/server/socket-router.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';

const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));

export interface WebAgent {
  origin: string;
  port: number;
  home: string;
  socketPath: string;
  /** A fresh one-time address for `page`, as `driveup open PAGE --print` gives. */
  openUrl(page?: string): Promise<string>;
  /** SIGTERM, as Ctrl-C or a service manager stops it; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface WebAgentOptions {
  fakeGoogleUrl: string;
  home: string;
  /**
   * Ask for this port (`web.port`). Without it the agent takes the port of its last run in this
   * home when it is free, which is how a page open across a restart finds it again.
   */
  port?: number;
  env?: Record<string, string>;
}

/** A real `driveup agent --web` process, pointed at the fake Google. */
export async function startWebAgent(options: WebAgentOptions): Promise<WebAgent> {
  const env = { ...fakeGoogleEnv(options.fakeGoogleUrl, options.home), ...options.env };
  if (options.port) await setWebPort(options.home, options.port);
  const child = spawn(process.execPath, [CLI, 'agent', '--web', '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const info = await startedInfo(child, () => stderr);
  if (!info.web) throw new Error(`driveup agent --web printed no web address: ${stderr}`);
  const exited = once(child, 'exit');
  const socketPath = resolvePaths({ env }).socketPath;
  const client = createSocketClient<SocketRouter>(socketPath);
  return {
    origin: info.web,
    port: Number(new URL(info.web).port),
    home: options.home,
    socketPath,
    async openUrl(page = 'history') {
      return (await client.web.openUrl.mutate({ page })).url;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What `driveup agent --json` prints once it serves: one JSON document. */
function startedInfo(
  child: ReturnType<typeof spawn>,
  stderr: () => string,
): Promise<{ web: string | null }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer) => {
      stdout += chunk;
      try {
        const info = JSON.parse(stdout) as { web: string | null };
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolve(info);
      } catch {
        // Not the whole document yet.
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`driveup agent exited (${code}): ${stderr()}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

async function setWebPort(home: string, port: number): Promise<void> {
  const file = join(home, 'settings.json');
  const current = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as {
    web?: Record<string, unknown>;
  };
  current.web = { ...current.web, port };
  await writeFile(file, JSON.stringify(current), { mode: 0o600 });
}
