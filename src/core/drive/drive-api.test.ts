import { describe, expect, it } from 'vitest';
import { useDriveFixture } from '../../../test/support/drive-fixtures.ts';
import { FOLDER_MIME } from '../../../test/support/fake-google/index.ts';
import { fetchDriveAbout } from '../auth/drive-about.ts';
import { googleEndpoints } from '../config/google-endpoints.ts';
import { DriveApi } from './drive-api.ts';
import { createDriveTransport, DriveClient } from './drive-client.ts';
import { classifyDriveError, DriveHttpError, RequestTimeoutError } from './drive-errors.ts';
import { createDriveAuthFromTokens } from '../../../test/support/drive/token-drive-auth.ts';

/**
 * The metadata calls go through Google's generated Drive client, but over DriveUp's own transport:
 * the fake Google server answers what the generated client sends, and a failure reaches the queue
 * exactly as an upload's would.
 */
describe('Drive metadata through @googleapis/drive', () => {
  const fx = useDriveFixture();

  function api(timeoutMs?: number) {
    const transport = createDriveTransport(timeoutMs);
    const auth = createDriveAuthFromTokens(
      fx.fake.url,
      'fake-client-id',
      'fake-client-secret',
      fx.fake.issueTokens(),
    );
    const client = new DriveClient(
      auth,
      transport.http,
      googleEndpoints(fx.fake.url).apiRoot,
      transport.pacer,
    );
    return { api: new DriveApi(client), transport, auth };
  }

  const signal = () => new AbortController().signal;

  it('creates, lists, reads and deletes with the answers Drive gives', async () => {
    const { api: drive, transport } = api();
    try {
      const folder = await drive.create(
        { name: "Lab's data", mimeType: FOLDER_MIME, parents: ['root'] },
        'id,name',
        signal(),
      );
      expect(folder).toMatchObject({ id: expect.any(String), name: "Lab's data" });
      const listed = await drive.list(
        { q: "name = 'Lab\\'s data' and trashed = false", fields: 'files(id,name)', pageSize: 10 },
        signal(),
      );
      expect(listed.files).toEqual([{ id: folder.id, name: "Lab's data" }]);
      expect(await drive.get(folder.id!, 'id,mimeType', signal())).toEqual({
        id: folder.id,
        mimeType: FOLDER_MIME,
      });
      await drive.delete(folder.id!, signal());
      expect(fx.fake.files().find((f) => f.id === folder.id)).toBeUndefined();
    } finally {
      transport.http.close();
    }
  });

  it("fails with Drive's error, classified, and slows every Drive call through the pacer", async () => {
    const { api: drive, transport } = api();
    try {
      expect(transport.pacer.turn(signal())).toBeUndefined();
      fx.fake.addFault({
        method: 'GET',
        path: '/drive/v3/files',
        status: 403,
        reason: 'userRateLimitExceeded',
        retryAfterSeconds: 2,
      });
      const error = await drive.list({ q: 'trashed = false' }, signal()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DriveHttpError);
      expect(classifyDriveError(error).kind).toBe('transient');
      // The shared pacer now makes the next Drive request (an upload's too) wait its turn.
      expect(transport.pacer.turn(signal())).toBeInstanceOf(Promise);
    } finally {
      transport.http.close();
    }
  });

  it("times out on the uploader's idle timeout when Drive never answers", async () => {
    const { api: drive, transport } = api(200);
    try {
      fx.fake.addFault({ method: 'GET', path: '/drive/v3/files/', hang: true });
      const error = await drive.get('missing', 'id', signal()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
    } finally {
      transport.http.close();
    }
  });

  it('reads the account from about over the same transport', async () => {
    const { transport, auth } = api();
    try {
      const about = await fetchDriveAbout(
        await auth.client(),
        googleEndpoints(fx.fake.url).apiRoot,
        transport,
      );
      expect(about.account.id).toEqual(expect.any(String));
      expect(about.storage.usedBytes).toBeGreaterThanOrEqual(0);
      expect(fx.fake.requestCount('GET /drive/v3/about')).toBe(1);
    } finally {
      transport.http.close();
    }
  });
});
