import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { followSignInUrl } from './follow-sign-in.ts';

const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `driveup …` as a user would, in its own process, on the Node that runs the tests. */
export async function runDriveup(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = startDriveup(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export function startDriveup(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first line of the child's stdout that matches, or rejects if it exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (pattern.test(line)) resolve(line);
    });
    child.once('exit', (code) =>
      reject(new Error(`driveup exited (${code}) before printing ${pattern}: ${stderr}`)),
    );
  });
}

/** `driveup signin --no-browser`, with the printed address followed as a person's browser would. */
export async function signInWithCli(env: NodeJS.ProcessEnv): Promise<void> {
  const signin = startDriveup(['signin', '--no-browser'], env);
  const url = await waitForLine(signin, /^http/);
  await followSignInUrl(url.trim());
  const [code] = (await once(signin, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`driveup signin exited with ${code}`);
}
