// A real `driveup agent` process, started from the built bundle as people run it (with the
// shebang's V8 flags), and what the kernel says it costs: resident memory and CPU time. Its memory
// is its own, never the benchmark's.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { followSignInUrl } from '../test/support/follow-sign-in.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What users run: the bundle. */
export const BUNDLED_CLI = join(ROOT, 'dist/cli/driveup.js');

let built: Promise<void> | undefined;

/** Builds the bundle once per benchmark run. */
export function buildBundle(): Promise<void> {
  built ??= run(process.execPath, [join(ROOT, 'scripts/build.ts')], { cwd: ROOT }).then(() => {});
  return built;
}

export interface AgentProcess {
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawning to the `agent --json` line (every rule scanned once). */
  startedMs: number;
  stop(): Promise<void>;
}

/** `driveup agent --json` from the bundle, with the bundle's own Node flags. */
export async function startBundledAgent(env: NodeJS.ProcessEnv): Promise<AgentProcess> {
  await buildBundle();
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, BUNDLED_CLI, 'agent', '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  await firstLine(child, /"pid"/);
  return {
    pid: child.pid!,
    child,
    startedMs: performance.now() - started,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `driveup …` from the bundle; resolves with its stdout, rejects on a non-zero exit. */
export async function bundledCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  await buildBundle();
  const { stdout } = await run(process.execPath, [BUNDLED_CLI, ...args], { env });
  return stdout;
}

/** `driveup signin --no-browser` from the bundle, its address followed as a browser would. */
export async function bundledSignIn(env: NodeJS.ProcessEnv): Promise<void> {
  await buildBundle();
  const signin = spawn(process.execPath, [BUNDLED_CLI, 'signin', '--no-browser'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(signin, 'exit');
  const url = await firstLine(signin, /^http/);
  await followSignInUrl(url.trim());
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`driveup signin exited with ${code}`);
}

export interface ProcessCost {
  /** Resident set now (VmRSS). */
  rssMb: number;
  /** The highest resident set so far (VmHWM). */
  peakRssMb: number;
  /** User + system CPU time so far. */
  cpuMs: number;
}

/**
 * From /proc (Linux): resident memory in kB, CPU time in clock ticks (100 a second on every Linux
 * this runs on; `getconf CLK_TCK`).
 */
export function processCost(pid: number): ProcessCost {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    rssMb: Math.round(kb('VmRSS') / 1024),
    peakRssMb: Math.round(kb('VmHWM') / 1024),
    cpuMs: ticks * 10,
  };
}

/** CPU share of one core while the process sits for `seconds` (its own CPU time, from /proc). */
export async function idleCpuPercent(pid: number, seconds: number): Promise<number> {
  const before = processCost(pid).cpuMs;
  const wallBefore = performance.now();
  // The benchmark's clock, not a wait for the work itself.
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuMs = processCost(pid).cpuMs - before;
  return (cpuMs / (performance.now() - wallBefore)) * 100;
}

export function firstLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on(
      'line',
      (line) => pattern.test(line) && resolve(line),
    );
    child.once('exit', (code) =>
      reject(new Error(`process exited (${code}) before printing ${pattern}`)),
    );
  });
}
