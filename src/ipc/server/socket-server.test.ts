import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { createSocketClient } from '../node/socket-client.ts';
import {
  AgentAlreadyRunningError,
  isAgentNotRunningError,
  findAgentNotRunningError,
  SocketPathTooLongError,
} from '../node/socket-errors.ts';
import { startSocketServer, type SocketServer } from './socket-server.ts';
import { publicProcedure, router } from './trpc.ts';

const pingRouter = router({ ping: publicProcedure.query(() => 'pong' as const) });
type PingRouter = typeof pingRouter;

const tempDir = useTempDir();
const servers: SocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(socketPath: string): Promise<SocketServer> {
  const server = await startSocketServer({ socketPath, router: pingRouter });
  servers.push(server);
  return server;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** Leaves a socket file behind the way a crashed agent does: its process dies without unlinking. */
async function leaveStaleSocket(socketPath: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('listening'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(child.stdout, 'data');
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('socket server', () => {
  it('creates the data directory 0700 and the socket 0600', async () => {
    const dataDir = join(await tempDir(), 'home', 'data');
    const socketPath = join(dataDir, 'agent.sock');

    await serve(socketPath);

    expect(await modeOf(dataDir)).toBe(0o700);
    expect((await lstat(socketPath)).isSocket()).toBe(true);
    expect(await modeOf(socketPath)).toBe(0o600);
  });

  it('makes an existing, more open data directory private', async () => {
    const dataDir = join(await tempDir(), 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);

    await serve(join(dataDir, 'agent.sock'));

    expect(await modeOf(dataDir)).toBe(0o700);
  });

  it('replaces a socket left behind by an agent that crashed', async () => {
    const dataDir = join(await tempDir(), 'data');
    await mkdir(dataDir, { mode: 0o700 });
    const socketPath = join(dataDir, 'agent.sock');
    await leaveStaleSocket(socketPath);
    expect((await lstat(socketPath)).isSocket()).toBe(true);
    const client = createSocketClient<PingRouter>(socketPath);
    const refused = await client.ping.query().catch((error: unknown) => error);
    expect(findAgentNotRunningError(refused)?.code).toBe('ECONNREFUSED');

    await serve(socketPath);

    expect(await client.ping.query()).toBe('pong');
  });

  it('refuses to start beside a running agent, naming its pid, and leaves it serving', async () => {
    const socketPath = join(await tempDir(), 'agent.sock');
    await serve(socketPath);

    const second = await startSocketServer({ socketPath, router: pingRouter }).catch(
      (error: unknown) => error,
    );

    expect(second).toBeInstanceOf(AgentAlreadyRunningError);
    expect((second as AgentAlreadyRunningError).pid).toBe(process.pid);
    expect((second as Error).message).toContain(`pid ${process.pid}`);
    expect(await createSocketClient<PingRouter>(socketPath).ping.query()).toBe('pong');
  });

  it('removes its socket when closed, so that clients learn no agent runs and a new one can start', async () => {
    const socketPath = join(await tempDir(), 'agent.sock');
    const client = createSocketClient<PingRouter>(socketPath);
    const first = await serve(socketPath);
    await first.close();

    const error = await client.ping.query().catch((caught: unknown) => caught);
    expect(isAgentNotRunningError(error)).toBe(true);
    expect(findAgentNotRunningError(error)?.code).toBe('ENOENT');

    await serve(socketPath);
    expect(await client.ping.query()).toBe('pong');
  });

  it('refuses a socket path longer than the kernel allows, suggesting a shorter DRIVEUP_HOME', async () => {
    const socketPath = join(await tempDir(), 'd'.repeat(120), 'agent.sock');

    const error = await startSocketServer({ socketPath, router: pingRouter }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(SocketPathTooLongError);
    expect((error as Error).message).toMatch(/at most 10[37]\b.*shorter directory/);
    expect((error as Error).message).toContain('DRIVEUP_HOME');
  });

  it('will not remove a file that is not a socket', async () => {
    const socketPath = join(await tempDir(), 'agent.sock');
    await writeFile(socketPath, 'not a socket');

    const error = await startSocketServer({ socketPath, router: pingRouter }).catch(
      (caught: unknown) => caught,
    );

    expect((error as Error).message).toMatch(/exists and is not a socket/);
    expect((await lstat(socketPath)).isFile()).toBe(true);
  });
});
