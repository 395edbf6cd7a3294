import { createHash } from 'node:crypto';
import { appendFileSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, open, rename, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  KIB,
  MIB,
  useDriveFixture,
  type RecordedRequest,
} from '../../../test/support/drive-fixtures.ts';
import { FOLDER_MIME } from '../../../test/support/fake-google/index.ts';
import { BandwidthLimiter } from './bandwidth-limiter.ts';
import { UploadError } from './uploader.ts';

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** Runs `hook` after the request's own recording callback, once per call. */
function afterConfirmed(request: RecordedRequest, hook: (bytes: number) => void): void {
  const record = request.onConfirmed.bind(request);
  request.onConfirmed = (bytes) => {
    record(bytes);
    hook(bytes);
  };
}

async function uploadError(promise: Promise<unknown>): Promise<UploadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UploadError);
  return error as UploadError;
}

describe('DriveUploader', () => {
  const fx = useDriveFixture();

  const storedFiles = () => fx.fake.files().filter((f) => f.mimeType !== FOLDER_MIME);

  describe('small files', () => {
    it('sends a small file in one multipart request into the folder path, tagged with its job', async () => {
      const file = await fx.file('notes.txt', 100 * KIB);
      const request = fx.request(file, { mimeType: 'text/plain' });

      const result = await fx.uploader().upload(request);

      const [stored] = storedFiles();
      expect(stored).toMatchObject({
        id: result.fileId,
        name: 'notes.txt',
        mimeType: 'text/plain',
        md5Checksum: md5(file.bytes),
        appProperties: { driveupJobId: request.jobId, driveupMd5: md5(file.bytes) },
      });
      expect(fx.fake.fileBytes(result.fileId)?.equals(file.bytes)).toBe(true);
      expect(result).toMatchObject({ md5: md5(file.bytes), size: file.size, skipped: false });
      expect(result.webViewLink).toContain(result.fileId);
      expect(fx.fake.requestCount('POST /upload/drive/v3/files')).toBe(1);
      expect(request.sessions).toEqual([]);
      expect(request.progress.at(-1)).toBe(file.size);

      const folders = fx.fake.files().filter((f) => f.mimeType === FOLDER_MIME);
      expect(folders.map((f) => f.name).sort()).toEqual(['2026-11', 'DriveUp', 'lab-pc']);
      expect(stored?.parents).toEqual([folders.find((f) => f.name === '2026-11')?.id]);
    });

    it('uploads an empty file', async () => {
      const file = await fx.file('empty.txt', 0);
      const result = await fx.uploader().upload(fx.request(file));
      expect(result.md5).toBe(md5(Buffer.alloc(0)));
      expect(storedFiles()[0]?.size).toBe('0');
    });

    it('needs one request per file once the folder is known', async () => {
      const uploader = fx.uploader();
      await uploader.upload(fx.request(await fx.file('first.bin', 10 * KIB)));
      const before = fx.fake.requestCount();
      for (let i = 0; i < 5; i += 1) {
        await uploader.upload(fx.request(await fx.file(`f${i}.bin`, 10 * KIB)));
      }
      expect(fx.fake.requestCount() - before).toBe(5);
    });
  });

  describe('resumable uploads', () => {
    it('sends a large file in chunks, persisting the session and each confirmed offset', async () => {
      const file = await fx.file('video.mp4', 6 * MIB + 12_345);
      const request = fx.request(file);

      const result = await fx.uploader({ multipartMaxBytes: 5 * MIB }).upload(request);

      expect(storedFiles()).toHaveLength(1);
      expect(storedFiles()[0]?.md5Checksum).toBe(md5(file.bytes));
      expect(fx.fake.fileBytes(result.fileId)?.equals(file.bytes)).toBe(true);
      expect(request.sessions).toHaveLength(1);
      expect(request.sessions[0]).toMatch(/upload_id=/);
      const chunks = Math.ceil(file.size / (256 * KIB));
      expect(request.confirmed).toEqual(
        Array.from({ length: chunks - 1 }, (_, i) => (i + 1) * 256 * KIB),
      );
      expect(fx.fake.requestCount('PUT /upload/drive/v3/files')).toBe(chunks);
      expect(fx.fake.bytesReceived()).toBeLessThan(file.size + 1024);
    });

    it('sends every byte right to a server slower than the disk (the socket holding pieces back)', async () => {
      const file = await fx.file('slow.bin', 3 * MIB + 5);
      fx.fake.setBandwidth(12 * MIB);

      const result = await fx
        .uploader({ chunkSizeBytes: MIB, multipartMaxBytes: MIB })
        .upload(fx.request(file));

      expect(fx.fake.fileBytes(result.fileId)?.equals(file.bytes)).toBe(true);
      expect(result.md5).toBe(md5(file.bytes));
    });

    it('after a reset mid-chunk, asks the session and resends at most that chunk', async () => {
      const file = await fx.file('big.bin', 3 * MIB);
      const chunk = 1 * MIB;
      // The chunk breaks after 700 KiB (two 256 KiB units persisted); then the session cannot even be
      // asked, so this attempt fails and the next one resumes from what was persisted.
      fx.fake.addFault({ method: 'PUT', path: '/upload/', resetAfterBytes: 700 * KIB });
      fx.fake.addFault({ method: 'PUT', path: '/upload/', status: 503 });
      const request = fx.request(file);

      const error = await uploadError(
        fx.uploader({ chunkSizeBytes: chunk, multipartMaxBytes: MIB }).upload(request),
      );
      expect(error.kind).toBe('transient');
      expect(request.persisted()?.sessionUri).toBe(request.sessions[0]);

      const retry = fx.request(file, { jobId: request.jobId, resume: request.persisted() });
      await fx.uploader({ chunkSizeBytes: chunk, multipartMaxBytes: MIB }).upload(retry);

      expect(retry.confirmed[0]).toBe(512 * KIB);
      expect(storedFiles()).toHaveLength(1);
      expect(storedFiles()[0]?.md5Checksum).toBe(md5(file.bytes));
      expect(fx.fake.bytesReceived()).toBeLessThanOrEqual(file.size + chunk);
    });

    it('rides out a broken chunk within one attempt when the session answers', async () => {
      const file = await fx.file('big.bin', 2 * MIB);
      fx.fake.addFault({ method: 'PUT', path: '/upload/', resetAfterBytes: 100 * KIB });
      const request = fx.request(file);

      await fx.uploader({ multipartMaxBytes: MIB }).upload(request);

      expect(storedFiles()[0]?.md5Checksum).toBe(md5(file.bytes));
      expect(fx.fake.bytesReceived()).toBeLessThanOrEqual(file.size + 256 * KIB);
    });

    it('resumes after a restart from the persisted session, re-sending nothing confirmed', async () => {
      const file = await fx.file('restart.bin', 2 * MIB);
      const first = fx.request(file);
      afterConfirmed(first, (bytes) => {
        if (bytes >= 768 * KIB) first.controller.abort(new Error('agent shutting down'));
      });
      await expect(fx.uploader({ multipartMaxBytes: MIB }).upload(first)).rejects.toThrow(
        'agent shutting down',
      );
      const sentBefore = fx.fake.bytesReceived();
      expect(storedFiles()).toHaveLength(0);

      // A new process: a new uploader, the queue's persisted session.
      const resumed = fx.request(file, { jobId: first.jobId, resume: first.persisted() });
      const result = await fx.uploader({ multipartMaxBytes: MIB }).upload(resumed);

      expect(result.md5).toBe(md5(file.bytes));
      expect(fx.fake.fileBytes(result.fileId)?.equals(file.bytes)).toBe(true);
      expect(resumed.sessions).toEqual([]);
      expect(fx.fake.bytesReceived() - sentBefore).toBeLessThanOrEqual(file.size - 768 * KIB);
      expect(storedFiles()).toHaveLength(1);
    });

    it('starts a new session when the old one expired, and still makes one correct file', async () => {
      const file = await fx.file('expiring.bin', MIB + 1000);
      const request = fx.request(file);
      afterConfirmed(request, (bytes) => {
        if (bytes === 512 * KIB && request.sessions.length === 1) {
          fx.fake.addFault({ path: /upload_id=/, expireSession: true });
        }
      });

      const result = await fx.uploader({ multipartMaxBytes: MIB }).upload(request);

      expect(request.sessions).toHaveLength(3);
      expect(request.sessions[1]).toBeNull();
      expect(request.sessions[2]).not.toBe(request.sessions[0]);
      expect(storedFiles()).toHaveLength(1);
      expect(fx.fake.fileBytes(result.fileId)?.equals(file.bytes)).toBe(true);
    });

    it('uploads a new version of a large file through a PATCH session', async () => {
      const uploader = fx.uploader({ multipartMaxBytes: MIB });
      const v1 = await fx.file('log.bin', 2 * MIB);
      const first = await uploader.upload(fx.request(v1));
      const v2 = await fx.file('log.bin', 2 * MIB + 5);
      const second = await uploader.upload(fx.request(v2, { conflictPolicy: 'new-version' }));
      expect(second.fileId).toBe(first.fileId);
      expect(storedFiles()).toHaveLength(1);
      expect(fx.fake.fileBytes(first.fileId)?.equals(v2.bytes)).toBe(true);
    });
  });

  describe('no duplicates after an unanswered create', () => {
    it('final chunk stored but unanswered: finds it through the session, one file', async () => {
      const file = await fx.file('final.bin', 512 * KIB + 10);
      const request = fx.request(file);
      afterConfirmed(request, (bytes) => {
        if (bytes === 512 * KIB) {
          fx.fake.addFault({ method: 'PUT', path: '/upload/', resetAfterCommit: true });
        }
      });
      const result = await fx.uploader({ multipartMaxBytes: 256 * KIB }).upload(request);
      expect(storedFiles()).toHaveLength(1);
      expect(result.fileId).toBe(storedFiles()[0]?.id);
    });

    it('final chunk stored, no answer, and the session gone: finds the tagged file', async () => {
      const file = await fx.file('final.bin', 512 * KIB + 10);
      const request = fx.request(file);
      afterConfirmed(request, (bytes) => {
        if (bytes !== 512 * KIB) return;
        fx.fake.addFault({ method: 'PUT', path: '/upload/', resetAfterCommit: true });
        fx.fake.addFault({ path: /upload_id=/, expireSession: true });
      });
      const result = await fx.uploader({ multipartMaxBytes: 256 * KIB }).upload(request);
      expect(storedFiles()).toHaveLength(1);
      expect(result).toMatchObject({ fileId: storedFiles()[0]?.id, md5: md5(file.bytes) });
    });

    it('multipart stored but unanswered: the retry finds the tagged file instead of creating', async () => {
      const file = await fx.file('small.bin', 50 * KIB);
      fx.fake.addFault({
        method: 'POST',
        path: '/upload/',
        uploadType: 'multipart',
        resetAfterCommit: true,
      });
      const uploader = fx.uploader();
      const request = fx.request(file);

      expect((await uploadError(uploader.upload(request))).kind).toBe('transient');
      const result = await uploader.upload(fx.request(file, { jobId: request.jobId }));

      expect(storedFiles()).toHaveLength(1);
      expect(result.fileId).toBe(storedFiles()[0]?.id);
      expect(fx.fake.requestCount('POST /upload/drive/v3/files')).toBe(1);
    });

    it('after a crash mid-request, the queue’s maybeCreated makes a new process look first', async () => {
      const file = await fx.file('small.bin', 50 * KIB);
      fx.fake.addFault({
        method: 'POST',
        path: '/upload/',
        uploadType: 'multipart',
        resetAfterCommit: true,
      });
      const request = fx.request(file);
      await uploadError(fx.uploader().upload(request));

      const afterRestart = fx.request(file, { jobId: request.jobId, maybeCreated: true });
      await fx.uploader().upload(afterRestart);

      expect(storedFiles()).toHaveLength(1);
    });
  });

  describe('integrity', () => {
    it('fails permanently when Drive holds other bytes than the file (changed without a trace)', async () => {
      const file = await fx.file('silent.bin', MIB + 100);
      const first = fx.request(file);
      afterConfirmed(first, () => first.controller.abort(new Error('stop')));
      // (aborting leaves the session, with 256 KiB of the old bytes in it, resumable)
      await expect(fx.uploader({ multipartMaxBytes: MIB }).upload(first)).rejects.toThrow('stop');

      // The start of the file is rewritten in place, size and mtime kept (as some tools do).
      const handle = await open(file.path, 'r+');
      await handle.write(Buffer.alloc(1000, 7), 0, 1000, 0);
      await handle.close();
      await utimes(file.path, new Date(), new Date(file.mtimeMs));

      const resumed = fx.request(file, { jobId: first.jobId, resume: first.persisted() });
      const error = await uploadError(fx.uploader({ multipartMaxBytes: MIB }).upload(resumed));

      expect(error.kind).toBe('permanent');
      expect(error.message).toMatch(/does not match the local file/);
      expect(storedFiles()).toHaveLength(0);
    });

    it('reports a file changed during the upload as changed and abandons its session', async () => {
      const file = await fx.file('growing.log', MIB + 100);
      const request = fx.request(file);
      // onConfirmed runs synchronously between chunks, so the change lands mid-upload.
      afterConfirmed(request, (bytes) => {
        if (bytes === 256 * KIB) appendFileSync(file.path, 'more lines');
      });
      const error = await uploadError(fx.uploader({ multipartMaxBytes: MIB }).upload(request));

      expect(error.kind).toBe('changed');
      expect(request.sessions.at(-1)).toBeNull();
      expect(storedFiles()).toHaveLength(0);
    });

    it('refuses a file that changed since it was queued', async () => {
      const file = await fx.file('edited.txt', 10 * KIB);
      await appendFile(file.path, 'x');
      const error = await uploadError(fx.uploader().upload(fx.request(file)));
      expect(error.kind).toBe('changed');
      expect(fx.fake.requestCount('POST /upload/drive/v3/files')).toBe(0);
    });

    describe('a file read ahead of its upload', () => {
      const hintOf = ({ jobId, path, name, expected }: RecordedRequest) => ({
        jobId,
        path,
        name,
        expected,
      });

      it('is sent in one request, byte for byte', async () => {
        const file = await fx.file('next.txt', 10 * KIB);
        const uploader = fx.uploader();
        const request = fx.request(file);
        await uploader.readAhead(hintOf(request));

        const result = await uploader.upload(request);

        expect(fx.fake.fileBytes(result.fileId)?.equals(file.bytes)).toBe(true);
        expect(result.md5).toBe(md5(file.bytes));
        expect(fx.fake.requestCount('POST /upload/drive/v3/files')).toBe(1);
      });

      it('and changed before it is never kept as the queued version', async () => {
        const file = await fx.file('draft.txt', 10 * KIB);
        const uploader = fx.uploader();
        const request = fx.request(file);
        await uploader.readAhead(hintOf(request));
        await appendFile(file.path, 'one more line');

        const error = await uploadError(uploader.upload(request));

        expect(error.kind).toBe('changed');
        expect(storedFiles()).toHaveLength(0);
      });

      it('and deleted before it fails as deleted, leaving nothing in Drive', async () => {
        const file = await fx.file('temp.txt', 10 * KIB);
        const uploader = fx.uploader();
        const request = fx.request(file);
        await uploader.readAhead(hintOf(request));
        rmSync(file.path);

        const error = await uploadError(uploader.upload(request));

        expect(error.kind).toBe('permanent');
        expect(error.message).toBe('File temp.txt was deleted before it was uploaded');
        expect(storedFiles()).toHaveLength(0);
      });
    });

    it('fails permanently, saying so, when the file is deleted mid-upload', async () => {
      const file = await fx.file('doomed.bin', MIB + 100);
      const request = fx.request(file);
      afterConfirmed(request, (bytes) => {
        if (bytes === 256 * KIB) rmSync(file.path);
      });
      const error = await uploadError(fx.uploader({ multipartMaxBytes: MIB }).upload(request));
      expect(error.kind).toBe('permanent');
      expect(error.message).toBe('File doomed.bin was deleted before it was uploaded');
      expect(storedFiles()).toHaveLength(0);
    });

    it('fails permanently, saying what to do, when the file cannot be read', async () => {
      // Permissions do not stop root, so the path becomes something that cannot be read as a file
      // while its size and time still match what was queued: a directory of the same size.
      const dir = await mkdtemp(join(tmpdir(), 'du-unreadable-'));
      const { size } = await stat(dir);
      const file = await fx.file('locked.bin', size);
      await rm(file.path);
      await rename(dir, file.path);
      await utimes(file.path, new Date(file.mtimeMs), new Date(file.mtimeMs));

      const error = await uploadError(fx.uploader().upload(fx.request(file)));
      await rm(file.path, { recursive: true });

      expect(error.kind).toBe('permanent');
      expect(error.message).toBe(`${file.path} is no longer a regular file`);
      expect(storedFiles()).toHaveLength(0);
    });
  });
});

describe('DriveUploader errors', () => {
  const fx = useDriveFixture({ storageLimitBytes: 200 * KIB });

  it.each([
    { status: 500, reason: 'backendError' },
    { status: 503, reason: 'backendError' },
    { status: 403, reason: 'userRateLimitExceeded' },
    { status: 403, reason: 'rateLimitExceeded' },
  ])('treats $status $reason as transient', async (fault) => {
    fx.fake.addFault({ method: 'POST', path: '/upload/', ...fault });
    const file = await fx.file('a.txt', KIB);
    const error = await uploadError(fx.uploader().upload(fx.request(file)));
    expect(error.kind).toBe('transient');
  });

  it('passes on how long Drive asked to wait', async () => {
    fx.fake.addFault({ method: 'POST', path: '/upload/', status: 429, retryAfterSeconds: 7 });
    const file = await fx.file('a.txt', KIB);
    const error = await uploadError(fx.uploader().upload(fx.request(file)));
    expect(error).toMatchObject({ kind: 'transient', retryAfterMs: 7000 });
  });

  it('treats a chunk failing with 503 as transient, keeping the session', async () => {
    fx.fake.addFault({ method: 'PUT', path: '/upload/', status: 503 });
    const file = await fx.file('b.bin', 100 * KIB);
    const request = fx.request(file);
    const error = await uploadError(fx.uploader({ multipartMaxBytes: 10 * KIB }).upload(request));
    expect(error.kind).toBe('transient');
    expect(request.persisted()).not.toBeNull();
  });

  it('treats a connection reset as transient', async () => {
    fx.fake.addFault({ method: 'POST', path: '/upload/', resetAfterBytes: 10 });
    const file = await fx.file('a.txt', 50 * KIB);
    const error = await uploadError(fx.uploader().upload(fx.request(file)));
    expect(error.kind).toBe('transient');
  });

  it('treats a request that gets no answer in time as transient', async () => {
    fx.fake.addFault({ method: 'POST', path: '/upload/', latencyMs: 20_000 });
    const file = await fx.file('a.txt', KIB);
    const error = await uploadError(
      fx.uploader({ requestTimeoutMs: 300 }).upload(fx.request(file)),
    );
    expect(error.kind).toBe('transient');
  });

  it('treats an unreachable Google as offline', async () => {
    const file = await fx.file('a.txt', KIB);
    const url = fx.fake.url;
    await fx.fake.close();
    const error = await uploadError(fx.uploader({ apiRoot: `${url}/` }).upload(fx.request(file)));
    expect(error.kind).toBe('offline');
  });

  it('says plainly that Drive is full', async () => {
    const file = await fx.file('big.bin', 300 * KIB);
    const error = await uploadError(fx.uploader().upload(fx.request(file)));
    expect(error).toMatchObject({
      kind: 'permanent',
      message: 'Your Google Drive is full: free space or buy storage, then retry',
    });
  });

  it('points at the full-Drive access setting when DriveUp may not write there', async () => {
    fx.fake.addFault({
      method: 'POST',
      path: '/upload/',
      status: 403,
      reason: 'insufficientPermissions',
    });
    const error = await uploadError(fx.uploader().upload(fx.request(await fx.file('a.txt', KIB))));
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/set Google access to "drive"/);
  });

  it('sums up an HTML answer (a proxy’s page) in one line instead of pasting it', async () => {
    const page =
      '<html>\n<head><title>413 Request Entity Too Large</title></head>\n<body>nginx</body>\n</html>\n';
    fx.fake.addFault({ method: 'POST', path: '/upload/', status: 413, html: page });
    const error = await uploadError(fx.uploader().upload(fx.request(await fx.file('a.txt', KIB))));
    expect(error).toMatchObject({
      kind: 'permanent',
      message:
        'Google Drive answered 413 Request Entity Too Large (an HTML page, probably from a proxy)',
    });
  });

  it('fails permanently when the destination folder vanished, and re-creates it on retry', async () => {
    const uploader = fx.uploader();
    await uploader.upload(fx.request(await fx.file('first.txt', KIB)));
    const folder = fx.fake.files().find((f) => f.name === '2026-11');
    const tokens = fx.fake.issueTokens();
    await fetch(`${fx.fake.url}/drive/v3/files/${folder?.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const file = await fx.file('second.txt', KIB);

    const error = await uploadError(uploader.upload(fx.request(file)));
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/destination was not found in Google Drive/);

    await uploader.upload(fx.request(file));
    expect(fx.fake.files().filter((f) => f.name === '2026-11')).toHaveLength(1);
  });
});

describe('DriveUploader sign-in', () => {
  const fx = useDriveFixture();

  it('refreshes an access token Drive refuses and carries on', async () => {
    const uploader = fx.uploader();
    fx.fake.expireAccessTokens();
    const result = await uploader.upload(fx.request(await fx.file('a.txt', 20 * KIB)));
    expect(result.fileId).toBeTruthy();
    expect(fx.fake.requestCount('POST /token')).toBe(1);
  });

  it('refreshes mid-way through a resumable upload', async () => {
    const file = await fx.file('b.bin', 700 * KIB);
    const request = fx.request(file);
    afterConfirmed(request, (bytes) => {
      if (bytes === 256 * KIB) fx.fake.expireAccessTokens();
    });
    const result = await fx.uploader({ multipartMaxBytes: 100 * KIB }).upload(request);
    expect(result.md5).toBe(md5(file.bytes));
    expect(fx.fake.requestCount('POST /token')).toBe(1);
  });

  it('asks to sign in again when access was revoked', async () => {
    fx.fake.revokeAllRefreshTokens();
    const error = await uploadError(fx.uploader().upload(fx.request(await fx.file('a.txt', KIB))));
    expect(error).toMatchObject({
      kind: 'auth',
      message: 'Google access was revoked or expired: sign in again',
    });
  });
});

describe('DriveUploader destinations', () => {
  const fx = useDriveFixture();
  const storedFiles = () => fx.fake.files().filter((f) => f.mimeType !== FOLDER_MIME);

  it('creates each folder of a new path once when 8 uploads race into it', async () => {
    const uploader = fx.uploader();
    const files = await Promise.all(
      Array.from({ length: 8 }, (_, i) => fx.file(`photo-${i}.jpg`, 5 * KIB)),
    );
    await Promise.all(
      files.map((file) => uploader.upload(fx.request(file, { folderPath: 'Lab/pc-7/2026-11' }))),
    );
    const folders = fx.fake.files().filter((f) => f.mimeType === FOLDER_MIME);
    expect(folders.map((f) => f.name).sort()).toEqual(['2026-11', 'Lab', 'pc-7']);
    const leaf = folders.find((f) => f.name === '2026-11');
    expect(storedFiles().every((f) => f.parents[0] === leaf?.id)).toBe(true);
  });

  it('two processes creating the same folder settle on one', async () => {
    const [a, b] = [fx.uploader(), fx.uploader()];
    const [one, two] = await Promise.all([
      a.folders.resolve('Shared/x', new AbortController().signal),
      b.folders.resolve('Shared/x', new AbortController().signal),
    ]);
    // Whatever got created, both resolve to the same (oldest) folder from now on.
    const again = await fx.uploader().folders.resolve('Shared/x', new AbortController().signal);
    expect([one, two]).toContain(again);
  });

  it('keep-both uploads alongside a file of the same name', async () => {
    const uploader = fx.uploader();
    await uploader.upload(fx.request(await fx.file('same.txt', KIB)));
    await uploader.upload(fx.request(await fx.file('same.txt', KIB)));
    expect(storedFiles().map((f) => f.name)).toEqual(['same.txt', 'same.txt']);
  });

  it('skip-identical skips the same content without sending it', async () => {
    const uploader = fx.uploader();
    const file = await fx.file('same.txt', 20 * KIB);
    const first = await uploader.upload(fx.request(file));
    const sent = fx.fake.bytesReceived();

    const second = await uploader.upload(fx.request(file, { conflictPolicy: 'skip-identical' }));

    expect(second).toMatchObject({ skipped: true, fileId: first.fileId, md5: first.md5 });
    expect(fx.fake.bytesReceived()).toBe(sent);
    expect(storedFiles()).toHaveLength(1);
  });

  it('skip-identical still uploads different content of the same name', async () => {
    const uploader = fx.uploader({ multipartMaxBytes: 10 * KIB });
    await uploader.upload(fx.request(await fx.file('same.bin', 300 * KIB)));
    const other = await fx.file('same.bin', 300 * KIB);
    const result = await uploader.upload(fx.request(other, { conflictPolicy: 'skip-identical' }));
    expect(result.skipped).toBe(false);
    expect(storedFiles()).toHaveLength(2);
    expect(storedFiles()[1]?.appProperties.driveupMd5).toBe(md5(other.bytes));
  });

  it('new-version replaces the content of the file of the same name', async () => {
    const uploader = fx.uploader();
    const first = await uploader.upload(fx.request(await fx.file('report.txt', KIB)));
    const v2 = await fx.file('report.txt', 2 * KIB);
    const second = await uploader.upload(fx.request(v2, { conflictPolicy: 'new-version' }));
    expect(second.fileId).toBe(first.fileId);
    expect(storedFiles()).toHaveLength(1);
    expect(fx.fake.fileBytes(first.fileId)?.equals(v2.bytes)).toBe(true);
  });

  it('new-version creates the file when there is none yet', async () => {
    await fx
      .uploader()
      .upload(fx.request(await fx.file('fresh.txt', KIB), { conflictPolicy: 'new-version' }));
    expect(storedFiles()).toHaveLength(1);
  });
});

describe('DriveUploader pacing and cancelling', () => {
  const fx = useDriveFixture();

  it('holds uploads to the bandwidth cap, changeable while running', async () => {
    const clock = {
      time: 0,
      now: () => clock.time,
      sleep: (ms: number) => void (clock.time += ms),
    };
    const limiter = new BandwidthLimiter(256 * KIB, {
      now: clock.now,
      sleep: (ms) => Promise.resolve(clock.sleep(ms)),
    });
    const uploader = fx.uploader({ limiter, multipartMaxBytes: 100 * KIB });
    const file = await fx.file('paced.bin', MIB);

    await uploader.upload(fx.request(file));
    // 1 MiB at 256 KiB/s in 64 KiB pieces: the last piece leaves after 15/16 of 4 s.
    expect(clock.time).toBe(3750);

    uploader.setBandwidthLimit(null);
    await uploader.upload(fx.request(await fx.file('free.bin', MIB)));
    expect(clock.time).toBe(3750);
  });

  it('stops promptly on abort mid-chunk, leaving the session resumable', async () => {
    const file = await fx.file('paused.bin', 2 * MIB);
    const request = fx.request(file);
    request.onProgress = (bytes) => {
      if (bytes >= 1200 * KIB) request.controller.abort(new Error('paused by user'));
    };
    await expect(
      fx.uploader({ chunkSizeBytes: MIB, multipartMaxBytes: MIB }).upload(request),
    ).rejects.toThrow('paused by user');
    expect(request.sessions).toHaveLength(1);
    expect(request.confirmed).toEqual([MIB]);

    const resumed = fx.request(file, { jobId: request.jobId, resume: request.persisted() });
    const result = await fx
      .uploader({ chunkSizeBytes: MIB, multipartMaxBytes: MIB })
      .upload(resumed);
    expect(result.md5).toBe(md5(file.bytes));
    expect(fx.fake.files().filter((f) => f.mimeType !== FOLDER_MIME)).toHaveLength(1);
  });
});
