import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeGoogle,
  type FakeGoogle,
  type FakeGoogleState,
  type FakeLatency,
} from './index.ts';

let fake: FakeGoogle;
let token: string;
beforeAll(async () => {
  fake = await startFakeGoogle();
  token = fake.issueTokens().access_token;
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${fake.url}/__admin/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function upload(bytes: Uint8Array<ArrayBuffer>): Promise<Response> {
  return fetch(`${fake.url}/upload/drive/v3/files?uploadType=media&fields=id`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: bytes,
  });
}

describe('/__admin', () => {
  it('adds faults by path or pathRegex, and clears them', async () => {
    expect(
      (await admin('POST', 'faults', { path: '/upload/', status: 503, times: -1 })).status,
    ).toBe(200);
    expect((await upload(randomBytes(10))).status).toBe(503);
    expect((await upload(randomBytes(10))).status).toBe(503);
    expect((await admin('DELETE', 'faults')).status).toBe(200);
    expect((await upload(randomBytes(10))).status).toBe(200);

    await admin('POST', 'faults', { method: 'POST', pathRegex: 'uploadType=media', status: 429 });
    expect((await upload(randomBytes(10))).status).toBe(429);
    expect((await upload(randomBytes(10))).status).toBe(200);

    const bad = await admin('POST', 'faults', { path: '/x' });
    expect(bad.status).toBe(400);
  });

  it('reports state: files with md5, request counts, bytes received; and resets', async () => {
    const bytes = randomBytes(1234);
    await upload(bytes);
    const state = (await (await admin('GET', 'state')).json()) as FakeGoogleState;
    expect(state.files).toHaveLength(1);
    expect(state.files[0]).toMatchObject({ size: '1234', md5Checksum: expect.any(String) });
    expect(state.requestCounts['POST /upload/drive/v3/files']).toBe(1);
    expect(state.totalRequests).toBe(1);
    expect(state.bytesReceived).toBe(1234);

    await admin('POST', 'reset');
    expect(fake.files()).toEqual([]);
    expect(fake.requestCount()).toBe(0);
  });

  it('sets consent, latency and bandwidth', async () => {
    await admin('POST', 'consent', { mode: 'deny' });
    const auth = await fetch(
      `${fake.url}/o/oauth2/v2/auth?client_id=fake-client-id&response_type=code&scope=s&state=z` +
        `&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}`,
      { redirect: 'manual' },
    );
    expect(auth.headers.get('location')).toBe('http://127.0.0.1:9/cb?error=access_denied&state=z');
    expect((await admin('POST', 'consent', { mode: 'maybe' })).status).toBe(400);
    expect((await admin('POST', 'latency', { ms: 0 })).status).toBe(200);
    expect((await admin('POST', 'bandwidth', { bytesPerSecond: null })).status).toBe(200);
    expect((await admin('POST', 'bandwidth', { bytesPerSecond: 'fast' })).status).toBe(400);
  });

  it('says how long the answers held for the latency took since it was set', async () => {
    await admin('POST', 'latency', { ms: 30 });
    const asked = performance.now();
    for (let i = 0; i < 3; i++) expect((await upload(randomBytes(10))).status).toBe(200);
    const elapsed = performance.now() - asked;

    const latency = (await (await admin('GET', 'latency')).json()) as FakeLatency;
    await admin('POST', 'latency', { ms: 0 });
    const afterReset = (await (await admin('GET', 'latency')).json()) as FakeLatency;

    // Each held about 30 ms (a timer fires on a whole millisecond), inside what the client saw.
    expect(latency).toMatchObject({ ms: 30, answers: 3 });
    expect(latency.meanHeldMs).toBeGreaterThan(28);
    expect(latency.meanHeldMs! * 3).toBeLessThanOrEqual(elapsed);
    expect(afterReset).toEqual({ ms: 0, answers: 0, meanHeldMs: null });
  });

  it('hands out tokens for tests in other processes', async () => {
    const tokens = (await (await admin('POST', 'tokens')).json()) as { access_token: string };
    const res = await fetch(`${fake.url}/drive/v3/files`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(200);
  });
});
