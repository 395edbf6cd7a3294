import { readdir, readFile, stat, statfs } from 'node:fs/promises';
import { needsSignInWords } from '../status-words.ts';
import { dirname, join } from 'node:path';
import { checkDirectoryTrust } from '../../core/config/directory-trust.ts';
import type { DriveUpPaths } from '../../core/config/paths.ts';
import { probeSocket } from '../../ipc/node/agent-probe.ts';
import type { AgentClient } from '../agent-client.ts';
import { connectToAgent } from '../agent-client.ts';
import { formatBytes } from '../human-format.ts';
import { nodeVersionProblem } from '../node-version.ts';
import { trustWords } from '../trust-words.ts';

/** One line of `driveup doctor`. */
export interface CheckResult {
  name: string;
  /** True when all is well here; false is a problem. */
  ok: boolean;
  /** Not checked (it needs the agent, or does not apply here); never a problem by itself. */
  skipped: boolean;
  detail: string;
  /** What to do about a problem. */
  fix: string | null;
}

export interface DoctorContext {
  paths: DriveUpPaths;
  env: NodeJS.ProcessEnv;
  nodeVersion: string;
  /** The running agent's client, or undefined when none answers (asked once). */
  agent(): Promise<AgentClient | undefined>;
}

export type DoctorCheck = (ctx: DoctorContext) => Promise<CheckResult>;

/** Less free space than this where the database lives is a problem: the queue needs room. */
const MIN_FREE_BYTES = 1024 ** 3;
/** Other programs use inotify watches too: past this share of the limit is a problem. */
const INOTIFY_SHARE = 0.9;

const ok = (name: string, detail: string): CheckResult => ({
  name,
  ok: true,
  skipped: false,
  detail,
  fix: null,
});
const problem = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  ok: false,
  skipped: false,
  detail,
  fix,
});
const skipped = (name: string, detail: string): CheckResult => ({
  name,
  ok: true,
  skipped: true,
  detail,
  fix: null,
});

export function doctorContext(paths: DriveUpPaths, env: NodeJS.ProcessEnv): DoctorContext {
  let agent: Promise<AgentClient | undefined> | undefined;
  return {
    paths,
    env,
    nodeVersion: process.versions.node,
    agent: () =>
      (agent ??= probeSocket(paths.socketPath).then(
        (occupant) => (occupant.kind === 'agent' ? connectToAgent(paths) : undefined),
        () => undefined,
      )),
  };
}

const checkNode: DoctorCheck = async (ctx) => {
  const why = nodeVersionProblem(ctx.nodeVersion);
  return why
    ? problem('Node.js', ctx.nodeVersion, why.split('\n').slice(1).join(' '))
    : ok('Node.js', ctx.nodeVersion);
};

const checkAgent: DoctorCheck = async (ctx) => {
  const occupant = await probeSocket(ctx.paths.socketPath).catch((error: Error) => error);
  if (occupant instanceof Error)
    return problem(
      'Agent',
      `cannot reach ${ctx.paths.socketPath}: ${occupant.message}`,
      'driveup agent',
    );
  switch (occupant.kind) {
    case 'agent':
      return ok(
        'Agent',
        `running${occupant.pid ? ` (pid ${occupant.pid})` : ''} for ${ctx.paths.dataDir}`,
      );
    case 'stale':
      return problem(
        'Agent',
        `not running (its socket ${ctx.paths.socketPath} was left by an agent that stopped)`,
        'Start it: driveup agent (or open the DriveUp app)',
      );
    default:
      return problem(
        'Agent',
        `not running for ${ctx.paths.dataDir}`,
        'Start it: driveup agent (or open the DriveUp app)',
      );
  }
};

const checkSignIn: DoctorCheck = async (ctx) => {
  const client = await ctx.agent();
  if (!client) return skipped('Sign-in', 'needs the agent');
  const auth = await client.auth.status.query();
  if (auth.state === 'signed-in') return ok('Sign-in', auth.account.email);
  if (auth.state === 'signing-in')
    return problem('Sign-in', 'a sign-in is waiting for the browser', `Open ${auth.url}`);
  if (auth.state === 'needs-sign-in')
    return problem('Sign-in', `needs sign-in again: ${needsSignInWords(auth)}`, 'driveup signin');
  return problem('Sign-in', 'not signed in', 'driveup signin');
};

/** Any HTTP answer from Drive's API (401 without a token) proves the way there works. */
const checkDrive: DoctorCheck = async (ctx) => {
  const endpoint = await googleEndpoint(ctx);
  const { googleEndpoints } = await import('../../core/config/google-endpoints.ts');
  const url = `${googleEndpoints(endpoint).apiRoot}drive/v3/about?fields=user`;
  const started = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    return ok(
      'Google Drive',
      `${new URL(url).host} answered (HTTP ${response.status}) in ${Date.now() - started} ms`,
    );
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return problem(
      'Google Drive',
      `${new URL(url).host} cannot be reached: ${why}`,
      'Check the network, proxy or firewall; uploads wait meanwhile and nothing is lost.',
    );
  }
};

const checkMongo: DoctorCheck = async (ctx) => {
  const client = await ctx.agent();
  if (!client) return skipped('MongoDB', 'needs the agent');
  const history = await client.history.status.query();
  if (!history.mongodbConfigured) return ok('MongoDB', 'not configured (local history only)');
  if (history.reachable) return ok('MongoDB', history.message);
  return problem(
    'MongoDB',
    history.message,
    'Check history.mongodbUri and that the server runs; records wait in the outbox meanwhile.',
  );
};

/** A rule whose folder is missing or whose watcher failed finds no new files: say which, and why. */
const checkWatchRules: DoctorCheck = async (ctx) => {
  const name = 'Watched folders';
  const client = await ctx.agent();
  if (!client) return skipped(name, 'needs the agent');
  const rules = (await client.watch.list.query()).filter((status) => status.rule.enabled);
  const failing = rules.filter((s) => s.state === 'error' || s.state === 'folder-missing');
  if (!failing.length) return ok(name, `${rules.length} rule(s), each finding files`);
  return problem(
    name,
    failing.map((s) => `${s.rule.folder}: ${s.reason ?? s.state}`).join('; '),
    'Mount or recreate the folder, or change the rule (`driveup watch list` shows each one).',
  );
};

/** Linux gives each user a number of inotify watches; a recursive rule takes one per folder. */
const checkInotify: DoctorCheck = async (ctx) => {
  const name = 'inotify watches';
  if (process.platform !== 'linux') return skipped(name, 'Linux only');
  const text = await readFile('/proc/sys/fs/inotify/max_user_watches', 'utf8').catch(() => null);
  if (text === null) return skipped(name, 'the limit cannot be read here');
  const limit = Number(text.trim());
  const client = await ctx.agent();
  if (!client)
    return skipped(
      name,
      `limit ${limit.toLocaleString('en-US')}; counting watched folders needs the agent`,
    );
  const rules = (await client.watch.list.query()).filter((status) => status.rule.enabled);
  let folders = 0;
  for (const { rule } of rules)
    folders += await countFolders(rule.folder, rule.recursive, limit + 1 - folders);
  const detail = `${folders.toLocaleString('en-US')} watched folder(s) of ${limit.toLocaleString('en-US')} allowed (fs.inotify.max_user_watches)`;
  if (folders <= limit * INOTIFY_SHARE) return ok(name, detail);
  const wanted = Math.max(524_288, folders * 2);
  return problem(
    name,
    `${detail}; new files in some folders are found only by the periodic rescan`,
    `sudo sysctl fs.inotify.max_user_watches=${wanted} (and add it to /etc/sysctl.d/ to keep it)`,
  );
};

const checkDisk: DoctorCheck = async (ctx) => {
  const dir = await existingAncestor(ctx.paths.dataDir);
  const info = await statfs(dir);
  const free = info.bavail * info.bsize;
  const detail = `${formatBytes(free)} free on the disk holding ${ctx.paths.dataDir}`;
  return free >= MIN_FREE_BYTES
    ? ok('Free disk', detail)
    : problem(
        'Free disk',
        detail,
        `Free space there (at least ${formatBytes(MIN_FREE_BYTES)}): the queue and its database need room.`,
      );
};

/**
 * The check `driveup agent` makes before it starts (directory-trust.ts), so doctor says why the
 * agent would refuse; directories not made yet are named as such, not called "yours".
 */
const checkDirectoryOwnership: DoctorCheck = async (ctx) => {
  if (process.getuid === undefined)
    return skipped('Directories', 'ownership is not checked on Windows');
  const problems = await checkDirectoryTrust(ctx.paths);
  if (!problems.length) {
    const dirs = [ctx.paths.configDir, ctx.paths.dataDir, ctx.paths.stateDir];
    const exists = await Promise.all(
      dirs.map((dir) =>
        stat(dir).then(
          () => true,
          () => false,
        ),
      ),
    );
    const missing = dirs.filter((_, i) => !exists[i]);
    const later = missing.length ? ` (${missing.join(', ')}: made 0700 when the agent starts)` : '';
    return ok('Directories', `yours alone${later}`);
  }
  return problem(
    'Directories',
    problems.map((p) => `${p.path}: ${trustWords(p)}`).join('; '),
    'Fix the ownership or permissions named (or set DRIVEUP_HOME to a directory of your own); the agent will not start until then.',
  );
};

/** Every check, in the order a person would fix things. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  checkNode,
  checkDirectoryOwnership,
  checkDisk,
  checkAgent,
  checkSignIn,
  checkDrive,
  checkMongo,
  checkWatchRules,
  checkInotify,
];

/** Runs the checks one by one (later ones reuse the agent connection); a check that throws is a problem. */
export async function runChecks(
  checks: readonly DoctorCheck[],
  ctx: DoctorContext,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [index, check] of checks.entries()) {
    results.push(
      await check(ctx).catch((error: unknown) =>
        problem(
          check.name || `check ${index + 1}`,
          `could not be checked: ${(error as Error)?.message ?? String(error)}`,
          'Run it again; if it persists, see `driveup logs`.',
        ),
      ),
    );
  }
  return results;
}

async function googleEndpoint(ctx: DoctorContext): Promise<string | undefined> {
  const client = await ctx.agent();
  if (client) return (await client.settings.get.query()).google.endpoint;
  const { SettingsStore } = await import('../../core/config/settings-store.ts');
  const { applyEnvOverrides } = await import('../../core/config/effective-config.ts');
  const settings = await new SettingsStore(ctx.paths.settingsFile).load();
  return applyEnvOverrides(settings, ctx.env).google.endpoint;
}

/** Folders under `root` (itself included), counting no further than `max`; links are not followed. */
async function countFolders(root: string, recursive: boolean, max: number): Promise<number> {
  let count = 0;
  const pending = [root];
  while (pending.length && count < max) {
    const dir = pending.pop()!;
    count += 1;
    if (!recursive) break;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) pending.push(join(dir, entry.name));
  }
  return count;
}

async function existingAncestor(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      await statfs(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}
