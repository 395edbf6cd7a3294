import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { probeSocket } from '../../src/ipc/node/agent-probe.ts';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';
import { useTempDir } from '../support/temp-dir.ts';

const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));

/** `driveup …` with its standard output on /dev/full, where every write fails with ENOSPC. */
function startIntoFullDisk(args: string[], env: NodeJS.ProcessEnv) {
  const full = openSync('/dev/full', 'w');
  try {
    return spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', full, 'pipe'],
    });
  } finally {
    closeSync(full);
  }
}

async function intoFullDisk(args: string[], env: NodeJS.ProcessEnv) {
  {
    const child = startIntoFullDisk(args, env);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stderr };
  }
}

/**
 * Watches `home`'s data directory (made here, before the agent starts, so that its socket and
 * database writes are all seen) and resolves once an agent answers on its socket, looked for at
 * each change there.
 */
async function watchForAgent(home: string): Promise<{ answering: Promise<void> }> {
  const { socketPath, dataDir } = resolvePaths({ env: { DRIVEUP_HOME: home } });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { promise, resolve } = Promise.withResolvers<void>();
  // One probe at a time; a change seen during a probe asks for another after it.
  let probing = false;
  let changedMeanwhile = false;
  const look = async () => {
    if (probing) return void (changedMeanwhile = true);
    probing = true;
    do {
      changedMeanwhile = false;
      if ((await probeSocket(socketPath)).kind === 'agent') return resolve();
    } while (changedMeanwhile);
    probing = false;
  };
  const watcher = watch(dataDir, () => void look());
  void look();
  return { answering: promise.finally(() => watcher.close()) };
}

describe.skipIf(!existsSync('/dev/full'))('output to a full disk', () => {
  const tempDir = useTempDir();
  let agent: CliAgent;
  beforeAll(async () => (agent = await startCliAgent({ signedIn: false })), 60_000);
  afterAll(() => agent?.close());

  it('says in one line that the output could not be written, and exits 1', async () => {
    // status answers on its quick path, queue and help through commander.
    for (const args of [['status'], ['queue'], ['--help']]) {
      const { code, stderr } = await intoFullDisk(args, agent.env);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toBe(
        'DriveUp could not write its output: ENOSPC: no space left on device, write\n',
      );
    }
    const json = await intoFullDisk(['status', '--json'], agent.env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: 'DriveUp could not write its output: ENOSPC: no space left on device, write',
      exitCode: 1,
    });
  }, 30_000);

  it('leaves the agent running: its terminal output is only a copy of its log', async () => {
    const home = await tempDir();
    const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
    const { answering } = await watchForAgent(home);
    const child = startIntoFullDisk(['agent', '--foreground'], env);
    const exited = once(child, 'exit');
    try {
      const first = await Promise.race([
        answering.then(() => 'answering'),
        exited.then(([code]) => `exited with ${String(code)}`),
      ]);
      expect(first).toBe('answering');
      const status = await runDriveup(['status', '--json'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).pid).toBe(child.pid);
      expect(child.exitCode).toBe(null);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});
