import { randomBytes } from 'node:crypto';
import type { drive_v3 } from '@googleapis/drive';
import { GaxiosError } from 'gaxios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signedInDrive } from './google-clients.ts';
import { CHUNK_UNIT, startFakeGoogle, type FakeGoogle } from './index.ts';
import { RawResumable } from './raw-resumable.ts';

let fake: FakeGoogle;
let drive: drive_v3.Drive;
let token: string;
let raw: RawResumable;
beforeAll(async () => {
  fake = await startFakeGoogle();
  const signedIn = signedInDrive(fake);
  drive = signedIn.drive;
  token = signedIn.auth.credentials.access_token ?? '';
  raw = new RawResumable(fake, token);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const get = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${fake.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}` } });

function mediaUpload(body: Uint8Array<ArrayBuffer>, uploadType = 'media'): Promise<Response> {
  return fetch(`${fake.url}/upload/drive/v3/files?uploadType=${uploadType}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    body,
  });
}

describe('error faults', () => {
  it('answers a Drive-style error with Retry-After, for the next N matching requests only', async () => {
    fake.addFault({
      method: 'POST',
      path: '/upload/drive/v3/files',
      status: 429,
      reason: 'userRateLimitExceeded',
      retryAfterSeconds: 7,
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const res = await mediaUpload(randomBytes(1000));
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toEqual({
        error: {
          code: 429,
          message: 'User rate limit exceeded.',
          errors: [
            {
              message: 'User rate limit exceeded.',
              domain: 'usageLimits',
              reason: 'userRateLimitExceeded',
            },
          ],
        },
      });
    }
    expect(fake.files()).toEqual([]);
    expect((await mediaUpload(randomBytes(1000))).status).toBe(200);
    expect(fake.files()).toHaveLength(1);
  });

  it('surfaces through googleapis with the reason, and defaults 5xx to backendError', async () => {
    // OAuth2Client answers a 401 or 403 by refreshing its token and trying once more, so a single
    // 403 never reaches the caller: it takes two.
    fake.addFault({
      path: '/drive/v3/files',
      status: 403,
      reason: 'insufficientPermissions',
      times: 2,
    });
    const denied = await drive.files.list().catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(GaxiosError);
    expect((denied as GaxiosError).status).toBe(403);
    expect(JSON.stringify((denied as GaxiosError).response?.data)).toContain(
      'insufficientPermissions',
    );
    expect(fake.requestCount('GET /drive/v3/files')).toBe(2);
    expect(fake.requestCount('POST /token')).toBe(1);

    fake.addFault({ method: 'GET', path: /^\/drive\/v3\/about/, status: 503 });
    const res = await get('/drive/v3/about?fields=user');
    expect(res.status).toBe(503);
    expect(JSON.stringify(await res.json())).toContain('backendError');
  });

  it('matches on uploadType and leaves other requests alone', async () => {
    fake.addFault({ path: '/upload/', uploadType: 'multipart', status: 500 });
    expect((await mediaUpload(randomBytes(10))).status).toBe(200);
    expect(fake.requestCount('POST /upload/drive/v3/files')).toBe(1);
  });
});

describe('connection faults', () => {
  it('resetAfterBytes cuts the connection mid-body and stores nothing', async () => {
    fake.addFault({ path: '/upload/drive/v3/files', resetAfterBytes: 100_000 });
    await expect(mediaUpload(randomBytes(1_000_000))).rejects.toThrow(TypeError);
    expect(fake.files()).toEqual([]);
    expect(fake.bytesReceived()).toBe(100_000);
  });

  it('resetAfterBytes cuts a bodiless request at once', async () => {
    fake.addFault({ method: 'GET', path: '/drive/v3/files', resetAfterBytes: 0 });
    await expect(get('/drive/v3/files')).rejects.toThrow(TypeError);
    expect((await get('/drive/v3/files')).status).toBe(200);
  });

  it('resetAfterCommit stores the file but never answers', async () => {
    const bytes = randomBytes(CHUNK_UNIT + 10);
    const session = await raw.start({ name: 'ghost.bin' }, bytes.length);
    expect((await raw.put(session, bytes.subarray(0, CHUNK_UNIT), 0, bytes.length)).status).toBe(
      308,
    );

    fake.addFault({ method: 'PUT', path: '/upload/drive/v3/files', resetAfterCommit: true });
    await expect(
      raw.put(session, bytes.subarray(CHUNK_UNIT), CHUNK_UNIT, bytes.length),
    ).rejects.toThrow(TypeError);
    expect(fake.files().map((f) => f.name)).toEqual(['ghost.bin']);
    // The client's way out: ask the session, which knows it finished.
    const status = await raw.status(session, bytes.length);
    expect(status.status).toBe(200);
    expect(((await status.json()) as { name: string }).name).toBe('ghost.bin');
  });

  it('resetAfterCommit works for metadata creates too', async () => {
    fake.addFault({ method: 'POST', path: '/drive/v3/files', resetAfterCommit: true });
    const lost = await drive.files
      .create({ requestBody: { name: 'folder', mimeType: 'application/vnd.google-apps.folder' } })
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(Error);
    expect(fake.files().map((f) => f.name)).toEqual(['folder']);
  });

  it('expireSession makes the resumable session answer 404 from then on', async () => {
    const session = await raw.start({ name: 'late.bin' }, 2 * CHUNK_UNIT);
    fake.addFault({ path: '/upload/drive/v3/files', uploadType: 'resumable', expireSession: true });
    expect((await raw.put(session, randomBytes(CHUNK_UNIT), 0, 2 * CHUNK_UNIT)).status).toBe(404);
    expect((await raw.status(session)).status).toBe(404);
  });
});

describe('slowness', () => {
  it('latencyMs holds one request back while others pass', async () => {
    fake.addFault({ method: 'GET', path: '/drive/v3/about', latencyMs: 60_000 });
    const abort = new AbortController();
    let slowSettled = false;
    const slow = get('/drive/v3/about?fields=user', { signal: abort.signal }).finally(() => {
      slowSettled = true;
    });
    expect((await get('/drive/v3/files')).status).toBe(200);
    expect(slowSettled).toBe(false);
    abort.abort();
    await expect(slow).rejects.toThrow();
  });

  it('setLatency holds back the answer, not the work: an upload is stored at once, answered late', async () => {
    fake.setLatency(60_000);
    const abort = new AbortController();
    let answered = false;
    const upload = fetch(`${fake.url}/upload/drive/v3/files?uploadType=media`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: randomBytes(1000),
      signal: abort.signal,
    }).finally(() => (answered = true));
    // As Google's own time: its work is inside the latency, beside other requests', not after it.
    await expect.poll(() => fake.files().length).toBe(1);
    expect(answered).toBe(false);
    expect(fake.activeUploads()).toBe(1);
    abort.abort();
    await expect(upload).rejects.toThrow();
  });

  it('setLatency applies to requests that arrive while it is set', async () => {
    fake.setLatency(60_000);
    const abort = new AbortController();
    let slowSettled = false;
    const slow = get('/drive/v3/files', { signal: abort.signal }).finally(() => {
      slowSettled = true;
    });
    // The slow request is counted once it has arrived; only then lift the latency.
    await expect.poll(() => fake.requestCount('GET /drive/v3/files')).toBe(1);
    fake.setLatency(0);
    expect((await get('/drive/v3/files')).status).toBe(200);
    expect(slowSettled).toBe(false);
    abort.abort();
    await expect(slow).rejects.toThrow();
  });

  it('setBandwidth caps how fast request bodies are read', async () => {
    fake.setBandwidth(16 * 1024);
    const size = 1024 * 1024;
    let uploadSettled = false;
    const upload = mediaUpload(randomBytes(size)).finally(() => {
      uploadSettled = true;
    });
    await expect.poll(() => fake.bytesReceived()).toBeGreaterThan(0);
    expect((await get('/drive/v3/files')).status).toBe(200);
    expect(uploadSettled).toBe(false);
    expect(fake.bytesReceived()).toBeLessThan(size);
    fake.setBandwidth(null);
    expect((await upload).status).toBe(200);
    expect(fake.bytesReceived()).toBe(size);
  });
});

describe('hang', () => {
  it('never answers the matching request, until the client gives up; the next one is answered', async () => {
    fake.addFault({ method: 'POST', path: '/token', hang: true });
    const client = new AbortController();
    const hung = fetch(`${fake.url}/token`, {
      method: 'POST',
      body: 'grant_type=refresh_token',
      signal: client.signal,
    });
    await expect.poll(() => fake.requestCount('POST /token')).toBe(1);
    const next = await fetch(`${fake.url}/token`, { method: 'POST', body: 'grant_type=x' });
    expect(next.status).toBe(401);
    client.abort();
    await expect(hung).rejects.toThrow(/abort/i);
  });
});

describe('close()', () => {
  it('destroys open sockets', async () => {
    const own = await startFakeGoogle();
    own.setLatency(60_000);
    const pending = fetch(`${own.url}/drive/v3/files`);
    await expect.poll(() => own.requestCount()).toBe(1);
    await own.close();
    await expect(pending).rejects.toThrow(TypeError);
  });
});
