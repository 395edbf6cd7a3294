/**
 * fake-google: one loopback HTTP origin that stands in for every Google URL DriveUp talks to (OAuth and
 * Drive v3), at Google's own paths, with state in memory. Point DriveUp at it with
 * DRIVEUP_GOOGLE_ENDPOINT=<url>.
 *
 * With Google's client libraries:
 * - google-auth-library: `new OAuth2Client({ clientId, clientSecret, redirectUri, endpoints: {
 *   oauth2AuthBaseUrl: url + '/o/oauth2/v2/auth', oauth2TokenUrl: url + '/token',
 *   oauth2RevokeUrl: url + '/revoke', tokenInfoUrl: url + '/tokeninfo' } })`.
 * - @googleapis/drive: `drive({ version: 'v3', auth, rootUrl: url + '/' })` covers metadata calls only.
 *   For media uploads (`files.create`/`files.update` with `media`) googleapis-common sends the body to
 *   `parameters.mediaUrl`, which the generated drive/v3.js builds from the PER-CALL `options.rootUrl`
 *   (default https://www.googleapis.com/); createAPIRequest rewrites only `options.url` with the
 *   client-level rootUrl, never the mediaUrl. So every media call must pass it per call:
 *   `drive.files.create({ requestBody, media }, { rootUrl: url + '/' })`.
 * - googleapis has no resumable uploads: start one with
 *   `drive.files.create({ uploadType: 'resumable', requestBody }, { url: url + '/upload/drive/v3/files' })`
 *   and send chunks with `auth.request({ url: location, method: 'PUT', headers: { 'Content-Range' } })`.
 */
import type { FaultSpec } from './faults.ts';
import { FakeGoogleServer } from './server.ts';
import type { FakeFile } from './store.ts';

export type { FaultSpec, FaultAction, FaultMatch, ErrorFault } from './faults.ts';
export type { FakeFile } from './store.ts';
export { CHUNK_UNIT } from './drive-upload.ts';
export { FOLDER_MIME } from './store.ts';

export interface FakeGoogleOptions {
  port?: number; // default 0
  clientId?: string; // default 'fake-client-id'
  clientSecret?: string; // default 'fake-client-secret'
  accessTokenTtlSeconds?: number; // default 3600
  user?: { email: string; displayName: string }; // default fake.user@example.com / 'Fake User'
  storageLimitBytes?: number; // default 15 GiB
  /** Files larger than this keep only md5 and size (fileBytes() and alt=media then fail). Default 64 MiB. */
  keepBytesUpTo?: number;
}

/**
 * The latency set, and what the answers held for it took since it was set: a timer fires on a
 * whole millisecond, so the mean is not exactly the latency (benchmarks take their ideal from it).
 */
export interface FakeLatency {
  ms: number;
  answers: number;
  meanHeldMs: number | null;
}

export interface FakeGoogleState {
  files: FakeFile[];
  /** By 'METHOD /path' and by 'METHOD /drive/v3/files/{fileId}'-style templates. */
  requestCounts: Record<string, number>;
  totalRequests: number;
  bytesReceived: number;
}

export interface FakeGoogle {
  url: string; // 'http://127.0.0.1:PORT'
  close(): Promise<void>; // also destroys open sockets
  // OAuth
  setConsent(mode: 'grant' | 'deny'): void;
  issueTokens(): { access_token: string; refresh_token: string; expires_in: number };
  revokeAllRefreshTokens(): void; // simulates the user revoking access at Google
  expireAccessTokens(): void; // every issued access token now gets 401
  // Faults
  addFault(fault: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void; // every answer leaves no sooner than this after its request arrived
  setBandwidth(bytesPerSecond: number | null): void; // cap on request body reading, shared by all requests
  // Inspection
  files(): FakeFile[]; // every stored file/folder (not the My Drive root) incl. md5Checksum and size
  fileBytes(id: string): Buffer | undefined;
  /** e.g. 'POST /upload/drive/v3/files', 'PUT /upload/drive/v3/files', 'GET /drive/v3/files/{fileId}'; no arg = total. */
  requestCount(routeKey?: string): number;
  bytesReceived(): number; // body bytes received on /upload/ paths in total
  /** Requests on /upload/ paths still being handled (a body still arriving, an answer not sent). */
  activeUploads(): number;
  state(): FakeGoogleState; // what GET /__admin/state answers
  latency(): FakeLatency; // what GET /__admin/latency answers
  reset(): void; // drop files, sessions, faults, latency, bandwidth cap, counters (OAuth grants stay)
}

export async function startFakeGoogle(opts: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const server = new FakeGoogleServer(opts);
  await server.listen(opts.port ?? 0);
  return server;
}
