import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StagingArea } from '../../src/core/staging/staging-area.ts';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { queueWithAgent, stageThenQueue } from '../../src/ipc/server/browser-upload.ts';
import { startWebServer, webTransport, type WebServer } from '../../src/ipc/server/web-server.ts';
import { WebSessions } from '../../src/ipc/server/web-sessions.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A raw HTTP request, so that Host, Origin and Cookie are exactly what a test says. */
function send(
  server: WebServer,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.origin}${path}`,
      {
        method: options.method ?? 'GET',
        headers: {
          host: `127.0.0.1:${server.port}`,
          ...(typeof options.body === 'string' ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        // A subscription never ends: its first bytes are enough.
        if (res.headers['content-type']?.startsWith('text/event-stream')) {
          res.once('data', (chunk: string) => {
            resolve({ status: res.statusCode!, headers: res.headers, text: chunk });
            req.destroy();
          });
          return;
        }
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let harness: AgentHarness;
let server: WebServer;
let staging: StagingArea;
let cookie: string;

async function signIn(page = 'history'): Promise<string> {
  const link = new URL(server.createOpenUrl(page as 'history'));
  const answer = await send(server, link.pathname + link.search);
  return answer.headers['set-cookie']![0]!.split(';')[0]!;
}

const ours = () => ({ cookie, origin: server.origin });
const versionCall = '/api/agent.version?batch=1';
const postVersion = { method: 'POST', headers: {}, body: JSON.stringify({ 0: {} }) };

beforeAll(async () => {
  harness = await startAgentHarness({ signedIn: false });
  const pagesDir = join(harness.home, 'pages');
  await mkdir(pagesDir);
  await writeFile(join(pagesDir, 'history.html'), '<!doctype html><title>History</title>');
  await writeFile(join(pagesDir, 'history.js'), 'export {};');
  await writeFile(join(pagesDir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(pagesDir, 'upload.html'), '<!doctype html><title>Upload</title>');
  staging = new StagingArea({
    dir: harness.agent.paths.stagingDir,
    maxFileBytes: 1024 * 1024,
  });
  server = await startWebServer(createAppRouter(harness.agent, { requestShutdown: () => {} }), {
    pagesDir,
    stageAndQueue: stageThenQueue(staging, queueWithAgent(harness.agent)),
  });
  cookie = await signIn();
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

describe('web server: who may use it', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal);
    if (!external) return;
    const reached = await fetch(`http://${external.address}:${server.port}/`).then(
      () => true,
      () => false,
    );
    expect(reached).toBe(false);
  });

  it('exchanges a one-time link for an HttpOnly, SameSite=Strict cookie, once', async () => {
    const link = new URL(server.createOpenUrl('signin'));
    expect(link.searchParams.get('token')).toMatch(/^[\w-]{43}$/);
    const first = await send(server, link.pathname + link.search);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/signin');
    expect(first.headers['set-cookie']![0]).toMatch(
      new RegExp(`^driveup-${server.port}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const again = await send(server, link.pathname + link.search);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.text).toContain('already used or has expired');
    expect(again.text).toContain('driveup open signin');
  });

  it('never redirects a link anywhere but its own pages', async () => {
    const link = new URL(server.createOpenUrl());
    link.searchParams.set('next', '//evil.example/');
    const answer = await send(server, link.pathname + link.search);
    expect(answer.headers.location).toBe('/history');
  });

  it('answers nothing without the cookie, and tells a person to run driveup open', async () => {
    const page = await send(server, '/history');
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('run driveup open');
    for (const [path, options] of [
      [versionCall, { ...postVersion, headers: { origin: server.origin } }],
      ['/history.js', {}],
      ['/session', { headers: { 'sec-fetch-site': 'same-origin' } }],
      ['/upload?name=a.txt', { method: 'POST', headers: { origin: server.origin }, body: 'a' }],
      [
        versionCall,
        {
          ...postVersion,
          headers: { origin: server.origin, cookie: `driveup-${server.port}=forged` },
        },
      ],
    ] as const) {
      const answer = await send(server, path, options);
      expect(answer.status, path).toBe(401);
      expect(answer.text).not.toContain('version');
    }
  });

  it('refuses requests naming another host (DNS rebinding), even with the cookie and a link', async () => {
    for (const host of [
      `evil.example:${server.port}`,
      `localhost:${server.port}`,
      '127.0.0.1',
      `127.0.0.1:1`,
    ]) {
      const page = await send(server, '/history', { headers: { host, cookie } });
      expect(page.status, host).toBe(421);
      const api = await send(server, versionCall, { ...postVersion, headers: { host, ...ours() } });
      expect(api.status, host).toBe(421);
    }
    const link = new URL(server.createOpenUrl());
    const rebound = await send(server, link.pathname + link.search, {
      headers: { host: `evil.example:${server.port}` },
    });
    expect(rebound.status).toBe(421);
    expect(rebound.headers['set-cookie']).toBeUndefined();
  });

  it('serves API calls only to its own pages: a matching Origin, or a same-origin GET', async () => {
    const good = await send(server, versionCall, { ...postVersion, headers: ours() });
    expect(good.status, good.text).toBe(200);
    expect(good.text).toContain('version');
    const refused: Array<typeof postVersion & { headers: Record<string, string> }> = [
      { ...postVersion, headers: { cookie, origin: 'http://evil.example' } },
      { ...postVersion, headers: { cookie, origin: `http://localhost:${server.port}` } },
      { ...postVersion, headers: { cookie, origin: 'null' } },
      { ...postVersion, headers: { cookie } },
      { ...postVersion, headers: { cookie, 'sec-fetch-site': 'same-origin' } },
    ];
    for (const options of refused) {
      const answer = await send(server, versionCall, options);
      expect(answer.status, JSON.stringify(options.headers)).toBe(403);
      expect(answer.text).not.toContain('"version"');
    }
  });

  it('streams subscriptions to its own pages only', async () => {
    const events = '/api/events?input=' + encodeURIComponent(JSON.stringify({ json: {} }));
    const same = await send(server, events, {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(same.status).toBe(200);
    expect(same.headers['content-type']).toContain('text/event-stream');
    const foreign: Array<Record<string, string>> = [
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'same-site' },
      { cookie, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      { cookie },
    ];
    for (const headers of foreign) {
      const answer = await send(server, events, { headers });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
    }
  });

  it('sends a strict CSP, no referrer and nosniff with every answer', async () => {
    const answers = [
      await send(server, '/history', { headers: { cookie } }),
      await send(server, '/history'),
      await send(server, '/history', { headers: { host: 'evil.example' } }),
      await send(server, versionCall, { ...postVersion, headers: ours() }),
      await send(server, '/nothing-here', { headers: { cookie } }),
    ];
    for (const answer of answers) {
      expect(answer.headers['content-security-policy']).toMatch(
        /^default-src 'self'; frame-ancestors 'none'/,
      );
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('serves pages uncached, and scripts and the icon revalidated', async () => {
    const page = await send(server, '/history', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const script = await send(server, '/history.js', { headers: { cookie } });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    const revalidated = await send(server, '/history.js', {
      headers: { cookie, 'if-none-match': script.headers.etag! },
    });
    expect(revalidated.status).toBe(304);
    const icon = await send(server, '/icon.svg', { headers: { cookie } });
    expect([icon.status, icon.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    for (const path of [
      '/../settings.json',
      '/%2e%2e/settings.json',
      '/history.html',
      '/x.json',
      '/nope',
    ]) {
      expect((await send(server, path, { headers: { cookie } })).status, path).toBe(404);
    }
  });
});

describe('web server: browser uploads', () => {
  const upload = (query: string, body: Buffer, headers: Record<string, string> = {}) =>
    send(server, `/upload?${query}`, { method: 'POST', headers: { ...ours(), ...headers }, body });

  it('stages the bytes in the data directory and queues them', async () => {
    const bytes = Buffer.from('scan bytes');
    const answer = await upload('name=scan%2001.tif&folder=Lab%2F2026', bytes);
    expect(answer.status).toBe(200);
    const { jobIds } = JSON.parse(answer.text) as { jobIds: string[] };
    const job = harness.agent.queue.get(jobIds[0]!)!;
    expect(job).toMatchObject({ name: 'scan 01.tif', folderPath: 'Lab/2026', size: bytes.length });
    expect(job.path.startsWith(staging.dir)).toBe(true);
    expect(await readFile(job.path)).toEqual(bytes);
  });

  it('shows the Upload window at GET /upload, the address uploads are POSTed to', async () => {
    const page = await send(server, '/upload', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Upload</title>');
    const put = await send(server, '/upload?name=a.txt', {
      method: 'PUT',
      headers: ours(),
      body: Buffer.from('a'),
    });
    expect(put.status).toBe(405);
  });

  it('keeps a hostile name inside the staging folder', async () => {
    const answer = await upload(
      `name=${encodeURIComponent('../../settings.json')}`,
      Buffer.from('{}'),
    );
    const { jobIds } = JSON.parse(answer.text) as { jobIds: string[] };
    const job = harness.agent.queue.get(jobIds[0]!)!;
    expect(job.name).toBe('settings.json');
    expect(job.path.startsWith(staging.dir)).toBe(true);
  });

  it('refuses what it cannot keep, with a reason, and leaves nothing staged', async () => {
    const before = await readdir(staging.dir);
    const tooBig = await upload('name=big.bin', Buffer.alloc(1024 * 1024 + 1));
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.text).error.reason).toBe('too-large');
    const badFolder = await upload(`name=a.txt&folder=${'x'.repeat(1001)}`, Buffer.from('a'));
    expect(badFolder.status).toBe(400);
    expect(JSON.parse(badFolder.text).error.message).toMatch(/folder/);
    const noName = await upload('folder=Lab', Buffer.from('a'));
    expect(noName.status).toBe(400);
    const chunked = await upload('name=a.txt', Buffer.from('a'), {
      'transfer-encoding': 'chunked',
    });
    expect(chunked.status).toBe(411);
    expect(JSON.parse(chunked.text).error.message).toMatch(/Content-Length/);
    expect(await readdir(staging.dir)).toEqual(before);
  });

  it('says so when the disk has no room, before taking the bytes', async () => {
    const staging = new StagingArea({
      dir: join(harness.home, 'staging-full'),
      reserveBytes: Number.MAX_SAFE_INTEGER,
    });
    const full = await startWebServer(
      createAppRouter(harness.agent, { requestShutdown: () => {} }),
      {
        stageAndQueue: stageThenQueue(staging, queueWithAgent(harness.agent)),
      },
    );
    try {
      const link = new URL(full.createOpenUrl());
      const answer = await send(full, link.pathname + link.search);
      const fullCookie = answer.headers['set-cookie']![0]!.split(';')[0]!;
      const refused = await send(full, '/upload?name=a.bin', {
        method: 'POST',
        headers: { cookie: fullCookie, origin: full.origin },
        body: Buffer.alloc(1000),
      });
      expect(refused.status).toBe(507);
      expect(JSON.parse(refused.text).error).toMatchObject({ reason: 'disk-full' });
      expect(JSON.parse(refused.text).error.message).toMatch(/Not enough free disk space/);
      expect(await readdir(staging.dir)).toEqual([]);
    } finally {
      await full.close();
    }
  });
});

describe('web transport', () => {
  it('starts with the router it is given and stops listening on close', async () => {
    const transport = webTransport({ pagesDir: join(harness.home, 'pages') });
    expect(() => transport.server).toThrow(/not started/);
    const web = await transport.start(
      createAppRouter(harness.agent, { requestShutdown: () => {} }),
    );
    expect(transport.server).toBe(web);
    const link = new URL(web.createOpenUrl('history'));
    expect((await send(web, link.pathname + link.search)).status).toBe(303);
    expect(() => web.createOpenUrl('nope' as 'history')).toThrow(/no window named nope/);
    await transport.close();
    await expect(fetch(`${web.origin}/history`)).rejects.toThrow();
  });
});

describe('WebSessions', () => {
  it('lets a token expire after its time, and forgets every session on restart', () => {
    let now = 0;
    const sessions = new WebSessions({ tokenTtlMs: 60_000, now: () => now });
    const late = sessions.mintToken();
    const onTime = sessions.mintToken();
    now = 60_000;
    const session = sessions.redeem(onTime);
    expect(sessions.isSession(session!)).toBe(true);
    now = 60_001;
    expect(sessions.redeem(late)).toBeNull();
    expect(new WebSessions().isSession(session!)).toBe(false);
  });
});
