import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { googleEndpoints } from '../../src/core/config/google-endpoints.ts';
import { DriveUploader, type DriveUploaderOptions } from '../../src/core/drive/drive-uploader.ts';
import { createDriveAuthFromTokens } from './drive/token-drive-auth.ts';
import type { UploadRequest } from '../../src/core/drive/uploader.ts';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.ts';
import { useTempDir } from './temp-dir.ts';

export const KIB = 1024;
export const MIB = 1024 * 1024;

export interface LocalTestFile {
  path: string;
  name: string;
  bytes: Buffer;
  size: number;
  mtimeMs: number;
}

/** An upload request whose persistence callbacks record what the queue would have stored. */
export interface RecordedRequest extends UploadRequest {
  sessions: (string | null)[];
  confirmed: number[];
  progress: number[];
  controller: AbortController;
  /** What the queue would pass as `resume` on the next attempt. */
  persisted(): UploadRequest['resume'];
}

export interface DriveFixture {
  fake: FakeGoogle;
  uploaders: DriveUploader[];
  /** A DriveUploader on the fake with small chunks (256 KiB) unless told otherwise. */
  uploader(options?: Partial<DriveUploaderOptions>): DriveUploader;
  file(name: string, size: number): Promise<LocalTestFile>;
  request(file: LocalTestFile, overrides?: Partial<UploadRequest>): RecordedRequest;
}

/** A fresh fake Google server, signed-in uploaders and a temp dir per test. */
export function useDriveFixture(
  fakeOptions: Parameters<typeof startFakeGoogle>[0] = {},
): DriveFixture {
  const tempDir = useTempDir();
  const fixture = { uploaders: [] } as unknown as DriveFixture;
  let dir = '';
  beforeEach(async () => {
    const fake = await startFakeGoogle(fakeOptions);
    dir = await tempDir();
    const tokens = fake.issueTokens();
    fixture.fake = fake;
    fixture.uploaders = [];
    fixture.uploader = (options = {}) => {
      const auth = createDriveAuthFromTokens(
        fake.url,
        'fake-client-id',
        'fake-client-secret',
        tokens,
      );
      const uploader = new DriveUploader({
        auth,
        apiRoot: googleEndpoints(fake.url).apiRoot,
        chunkSizeBytes: 256 * KIB,
        ...options,
      });
      fixture.uploaders.push(uploader);
      return uploader;
    };
    fixture.file = async (name, size) => {
      const path = join(dir, name);
      const bytes = randomBytes(size);
      await writeFile(path, bytes);
      const { mtimeMs } = await stat(path);
      return { path, name, bytes, size, mtimeMs };
    };
    fixture.request = (file, overrides = {}) => recordedRequest(file, overrides);
  });
  afterEach(async () => {
    for (const uploader of fixture.uploaders) uploader.close();
    await fixture.fake.close();
  });
  return fixture;
}

function recordedRequest(file: LocalTestFile, overrides: Partial<UploadRequest>): RecordedRequest {
  const controller = new AbortController();
  const request: RecordedRequest = {
    jobId: `job-${file.name}-${randomBytes(4).toString('hex')}`,
    path: file.path,
    name: file.name,
    mimeType: 'application/octet-stream',
    folderPath: 'DriveUp/lab-pc/2026-11',
    conflictPolicy: 'keep-both',
    expected: { size: file.size, mtimeMs: file.mtimeMs },
    resume: null,
    signal: controller.signal,
    controller,
    sessions: [],
    confirmed: [],
    progress: [],
    onSession(uri) {
      request.sessions.push(uri);
    },
    onConfirmed(bytes) {
      request.confirmed.push(bytes);
    },
    onProgress(bytes) {
      request.progress.push(bytes);
    },
    persisted() {
      const uri = request.sessions.at(-1);
      return uri ? { sessionUri: uri, confirmedBytes: request.confirmed.at(-1) ?? 0 } : null;
    },
    ...overrides,
  };
  return request;
}
