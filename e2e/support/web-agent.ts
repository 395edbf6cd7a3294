import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fakeGoogleEnv } from '../../test/support/fake-google-env.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';

const HOST = fileURLToPath(new URL('./web-agent-host.ts', import.meta.url));

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
  /** Reuse a port (an agent restarted under an open page); a free one by default. */
  port?: number;
  env?: Record<string, string>;
}

/** A real agent process serving web mode, pointed at the fake Google. */
export async function startWebAgent(options: WebAgentOptions): Promise<WebAgent> {
  const env = { ...fakeGoogleEnv(options.fakeGoogleUrl, options.home), ...options.env };
  const child = spawn(process.execPath, [HOST, '--port', String(options.port ?? 0)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  const { origin } = await nextJson<{ origin: string }>(lines, child, () => stderr);
  const exited = once(child, 'exit');
  return {
    origin,
    port: Number(new URL(origin).port),
    home: options.home,
    socketPath: resolvePaths({ env }).socketPath,
    async openUrl(page = 'history') {
      const answer = nextJson<{ url: string }>(lines, child, () => stderr);
      child.stdin!.write(`open ${page}\n`);
      return (await answer).url;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function nextJson<T>(lines: Interface, child: ChildProcess, stderr: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onLine = (line: string) => {
      if (!line.startsWith('{')) return;
      lines.off('line', onLine);
      child.off('exit', onExit);
      resolve(JSON.parse(line) as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`web agent exited (${code}): ${stderr()}`));
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}
