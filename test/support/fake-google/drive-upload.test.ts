import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { OAuth2Client } from 'google-auth-library';
import type { drive_v3 } from '@googleapis/drive';
import { GaxiosError } from 'gaxios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mediaOptions, signedInDrive } from './google-clients.ts';
import { CHUNK_UNIT, startFakeGoogle, type FakeGoogle } from './index.ts';
import { RawResumable } from './raw-resumable.ts';

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** Random bytes with multipart delimiters and CRLFs planted inside, to catch any text handling. */
function nastyBytes(size: number): Buffer<ArrayBuffer> {
  const bytes = randomBytes(size);
  const trap = Buffer.from('\r\n--\r\n\r\n--boundary--\r\n\0\xff');
  for (let at = 100; at + trap.length < size; at += 70_001) trap.copy(bytes, at);
  return bytes;
}

let fake: FakeGoogle;
let drive: drive_v3.Drive;
let auth: OAuth2Client;
let raw: RawResumable;
beforeAll(async () => {
  fake = await startFakeGoogle({
    storageLimitBytes: 8 * 1024 * 1024,
    keepBytesUpTo: 4 * 1024 * 1024,
  });
  ({ drive, auth } = signedInDrive(fake));
  raw = new RawResumable(fake, auth.credentials.access_token ?? '');
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function download(fileId: string): Promise<Buffer> {
  const res = await drive.files.get({ fileId, alt: 'media' }, { responseType: 'arraybuffer' });
  return Buffer.from(res.data as unknown as ArrayBuffer);
}

function reasonOf(error: unknown): { status?: number; reason?: string } {
  if (!(error instanceof GaxiosError)) throw error;
  const data = error.response?.data as { error?: { errors?: { reason?: string }[] } } | undefined;
  return { status: error.status, reason: data?.error?.errors?.[0]?.reason };
}

describe('multipart and media uploads through googleapis', () => {
  it('stores a multipart upload byte for byte (streamed body)', async () => {
    const bytes = nastyBytes(1024 * 1024 + 17);
    const { data } = await drive.files.create(
      {
        requestBody: { name: 'photo.jpg', parents: ['root'], appProperties: { sha: 'abc' } },
        media: { mimeType: 'image/jpeg', body: Readable.from(bytes) },
        fields: 'id,name,mimeType,size,md5Checksum,appProperties',
      },
      mediaOptions(fake),
    );
    expect(data).toMatchObject({
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      size: String(bytes.length),
      md5Checksum: md5(bytes),
      appProperties: { sha: 'abc' },
    });
    expect(fake.fileBytes(data.id ?? '')?.equals(bytes)).toBe(true);
    expect((await download(data.id ?? '')).equals(bytes)).toBe(true);
    expect(fake.requestCount('POST /upload/drive/v3/files')).toBe(1);
    expect(fake.bytesReceived()).toBeGreaterThan(bytes.length);
  });

  it('stores a multipart upload with a string body and a media-only upload', async () => {
    const { data: text } = await drive.files.create(
      { requestBody: { name: 'a.txt' }, media: { mimeType: 'text/plain', body: 'héllo\r\n' } },
      mediaOptions(fake),
    );
    expect(fake.fileBytes(text.id ?? '')?.toString('utf8')).toBe('héllo\r\n');

    const bytes = nastyBytes(300_000);
    const { data: media } = await drive.files.create(
      {
        media: { mimeType: 'application/pdf', body: Readable.from(bytes) },
        fields: 'id,name,md5Checksum',
      },
      mediaOptions(fake),
    );
    expect(media).toMatchObject({ name: 'Untitled', md5Checksum: md5(bytes) });
  });

  it('stores a new revision with files.update', async () => {
    const { data: first } = await drive.files.create(
      {
        requestBody: { name: 'v.bin' },
        media: { body: Readable.from(Buffer.from('one')) },
        fields: 'id,headRevisionId',
      },
      mediaOptions(fake),
    );
    const two = nastyBytes(5000);
    const { data: second } = await drive.files.update(
      {
        fileId: first.id ?? '',
        requestBody: { appProperties: { rev: '2' } },
        media: { body: Readable.from(two) },
        fields: 'id,size,md5Checksum,headRevisionId,appProperties',
      },
      mediaOptions(fake),
    );
    expect(second).toMatchObject({
      id: first.id,
      size: '5000',
      md5Checksum: md5(two),
      appProperties: { rev: '2' },
    });
    expect(second.headRevisionId).not.toBe(first.headRevisionId);
    expect(fake.files()).toHaveLength(1);
  });

  it('keeps only md5 and size above keepBytesUpTo', async () => {
    const bytes = randomBytes(5 * 1024 * 1024);
    const { data } = await drive.files.create(
      {
        requestBody: { name: 'big' },
        media: { body: Readable.from(bytes) },
        fields: 'id,md5Checksum',
      },
      mediaOptions(fake),
    );
    expect(data.md5Checksum).toBe(md5(bytes));
    expect(fake.fileBytes(data.id ?? '')).toBeUndefined();
  });

  it('answers 403 storageQuotaExceeded past the limit and 404 for an unknown parent', async () => {
    const tooBig = await drive.files
      .create(
        {
          requestBody: { name: 'huge' },
          media: { body: Readable.from(randomBytes(9 * 1024 * 1024)) },
        },
        mediaOptions(fake),
      )
      .catch((e: unknown) => e);
    expect(reasonOf(tooBig)).toEqual({ status: 403, reason: 'storageQuotaExceeded' });
    const orphan = await drive.files
      .create(
        { requestBody: { name: 'x', parents: ['missing'] }, media: { body: 'x' } },
        mediaOptions(fake),
      )
      .catch((e: unknown) => e);
    expect(reasonOf(orphan)).toEqual({ status: 404, reason: 'notFound' });
    expect(fake.files()).toEqual([]);
  });
});

describe('resumable uploads', () => {
  it('uploads in several chunks through googleapis and the OAuth2Client', async () => {
    const bytes = nastyBytes(3 * CHUNK_UNIT + 1234);
    // googleapis cannot do resumable uploads itself; the initiation goes through it with a per-call url.
    const started = await drive.files.create(
      {
        uploadType: 'resumable',
        requestBody: { name: 'movie.mp4', mimeType: 'video/mp4' },
        fields: 'id,size,md5Checksum,mimeType',
      },
      {
        url: `${fake.url}/upload/drive/v3/files`,
        headers: { 'X-Upload-Content-Length': String(bytes.length) },
      },
    );
    // googleapis types headers as Headers or an HTTP/2 header object; over HTTP/1.1 it is Headers.
    const session = (started.headers as unknown as Headers).get('location') ?? '';
    expect(session).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/upload\/drive\/v3\/files\?.*upload_id=/);

    const chunkSize = 2 * CHUNK_UNIT;
    let result: unknown;
    for (let start = 0; start < bytes.length; start += chunkSize) {
      const chunk = bytes.subarray(start, start + chunkSize);
      const res = await auth.request({
        url: session,
        method: 'PUT',
        headers: { 'Content-Range': `bytes ${start}-${start + chunk.length - 1}/${bytes.length}` },
        data: chunk,
        validateStatus: (status) => status === 308 || status === 200,
      });
      if (res.status === 308)
        expect(res.headers.get('range')).toBe(`bytes=0-${start + chunk.length - 1}`);
      else result = res.data;
    }
    expect(result).toMatchObject({
      size: String(bytes.length),
      md5Checksum: md5(bytes),
      mimeType: 'video/mp4',
    });
    expect(fake.requestCount('PUT /upload/drive/v3/files')).toBe(2);
  });

  it('speaks the protocol: 308 and Range, status queries, chunk rules, resume after a reset', async () => {
    const bytes = nastyBytes(4 * CHUNK_UNIT + 999);
    const session = await raw.start({ name: 'r.bin' }, bytes.length);

    const fresh = await raw.status(session);
    expect(fresh.status).toBe(308);
    expect(fresh.headers.get('range')).toBeNull();

    const first = await raw.put(session, bytes.subarray(0, CHUNK_UNIT), 0, bytes.length);
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe(`bytes=0-${CHUNK_UNIT - 1}`);

    const odd = await raw.put(
      session,
      bytes.subarray(CHUNK_UNIT, CHUNK_UNIT + 1000),
      CHUNK_UNIT,
      bytes.length,
    );
    expect(odd.status).toBe(400);

    const gap = await raw.put(
      session,
      bytes.subarray(2 * CHUNK_UNIT, 3 * CHUNK_UNIT),
      2 * CHUNK_UNIT,
      bytes.length,
    );
    expect(gap.status).toBe(308);
    expect(gap.headers.get('range')).toBe(`bytes=0-${CHUNK_UNIT - 1}`);

    // Cut 1.5 units into a 3-unit chunk: one whole unit is persisted, the half is not.
    fake.addFault({
      method: 'PUT',
      path: '/upload/drive/v3/files',
      resetAfterBytes: CHUNK_UNIT * 1.5,
    });
    const cut = await raw
      .put(session, bytes.subarray(CHUNK_UNIT, 4 * CHUNK_UNIT), CHUNK_UNIT, bytes.length)
      .catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(TypeError);

    const afterCut = await raw.status(session, bytes.length);
    expect(afterCut.status).toBe(308);
    expect(afterCut.headers.get('range')).toBe(`bytes=0-${2 * CHUNK_UNIT - 1}`);

    const rest = await raw.put(
      session,
      bytes.subarray(2 * CHUNK_UNIT),
      2 * CHUNK_UNIT,
      bytes.length,
    );
    expect(rest.status).toBe(200);
    const file = (await rest.json()) as { id: string; md5Checksum: string; size: string };
    expect(file).toMatchObject({
      name: 'r.bin',
      size: String(bytes.length),
      md5Checksum: md5(bytes),
    });

    const done = await raw.status(session, bytes.length);
    expect(done.status).toBe(200);
    expect(((await done.json()) as { id: string }).id).toBe(file.id);
    expect(fake.files()).toHaveLength(1);
  });

  it('finishes an upload of unknown length with a status query carrying the total', async () => {
    const bytes = randomBytes(CHUNK_UNIT);
    const session = await raw.start({ name: 'stream.bin' });
    expect((await raw.put(session, bytes, 0, '*')).status).toBe(308);
    const done = await raw.status(session, bytes.length);
    expect(done.status).toBe(200);
    expect(((await done.json()) as { md5Checksum: string }).md5Checksum).toBe(md5(bytes));
  });

  it('refuses a resumable upload whose declared size exceeds the quota', async () => {
    const res = await raw.initiate(
      { name: 'huge' },
      { 'X-Upload-Content-Length': String(9 * 1024 * 1024) },
    );
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { errors: { reason: string }[] } };
    expect(body.error.errors[0]?.reason).toBe('storageQuotaExceeded');
  });
});
