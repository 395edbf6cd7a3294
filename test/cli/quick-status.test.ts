import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { bodyOfOk, isQuickStatus, quickStatus } from '../../src/cli/quick-status.ts';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { useTempDir } from '../support/temp-dir.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;

/** `driveup …` through commander and the tRPC client, as every other command runs. */
async function fullCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main(['node', 'driveup', ...${JSON.stringify(args)}]);`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { env: { ...process.env, ...env } },
  );
  return stdout;
}

async function quick(args: string[], env: NodeJS.ProcessEnv) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk));
  const answered = await quickStatus(args, env, out);
  return { answered, text };
}

/** The uptime ticks between two runs; everything else must be the same byte for byte. */
const withoutUptime = (text: string) => text.replace(/, up [^)]+\)/, ', up …)');

describe('driveup status on its quick path', () => {
  let agent: CliAgent;
  // A hostile home name: its control characters are in the status and must be escaped alike.
  beforeAll(async () => (agent = await startCliAgent({ homeName: 'h\x1b[2J' })), 60_000);
  afterAll(() => agent?.close());

  it('prints what the full command line prints, for people and for scripts', async () => {
    for (const args of [['status'], ['status', '--json'], ['--json', 'status']]) {
      const fast = await quick(args, agent.env);
      expect(fast.answered).toBe(true);
      expect(withoutUptime(fast.text)).toBe(withoutUptime(await fullCli(args, agent.env)));
    }
    expect(JSON.parse((await quick(['status', '--json'], agent.env)).text)).toMatchObject({
      auth: { state: 'signed-in' },
    });
  }, 30_000);
});

describe('driveup status leaves to the full command line', () => {
  const tempDir = useTempDir();
  const servers: Server[] = [];
  afterEach(() => servers.splice(0).forEach((server) => server.close()));

  /** An "agent" on the socket that answers every request with `status` and `body`. */
  async function answering(status: number, body: string): Promise<NodeJS.ProcessEnv> {
    const env = { DRIVEUP_HOME: await tempDir() };
    const { socketPath } = resolvePaths({ env });
    await mkdir(dirname(socketPath), { recursive: true });
    const server = createServer((_req, res) => res.writeHead(status).end(body));
    servers.push(server.listen(socketPath));
    await once(server, 'listening');
    return env;
  }

  it('what it does not expect, having printed nothing: no agent, a refusal, another answer, another version', async () => {
    const cases = [
      { DRIVEUP_HOME: await tempDir() },
      await answering(500, '[{"error":{"json":{"message":"broken"}}}]'),
      await answering(200, '[{"error":{"json":{"message":"refused"}}}]'),
      await answering(200, 'not json'),
      // An agent of another version, whose status this CLI cannot word.
      await answering(200, '[{"result":{"data":{"json":{"version":"9.0.0"}}}}]'),
    ];
    for (const env of cases)
      expect(await quick(['status'], env)).toEqual({ answered: false, text: '' });
  });

  it('any other arguments: help, options, a typo', () => {
    expect(isQuickStatus(['status'])).toBe(true);
    expect(isQuickStatus(['--json', 'status'])).toBe(true);
    for (const args of [
      ['status', '--help'],
      ['status', '--json', '--json'],
      ['status', 'extra'],
      ['stauts'],
      ['whoami'],
      [],
    ])
      expect(isQuickStatus(args), args.join(' ')).toBe(false);
  });

  it('an answer whose body is chunked or compressed', () => {
    const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n';
    expect(bodyOfOk(`${head}\r\n[1]`)).toBe('[1]');
    expect(() =>
      bodyOfOk(`${head}Transfer-Encoding: chunked\r\n\r\n3\r\n[1]\r\n0\r\n\r\n`),
    ).toThrow();
    expect(() => bodyOfOk(`${head}Content-Encoding: gzip\r\n\r\n…`)).toThrow();
    expect(() => bodyOfOk('HTTP/1.1 200 OK\r\n')).toThrow();
  });
});
