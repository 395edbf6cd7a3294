import type { drive_v3 } from '@googleapis/drive';
import { GaxiosError } from 'gaxios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signedInDrive } from './google-clients.ts';
import { FOLDER_MIME, startFakeGoogle, type FakeGoogle } from './index.ts';

let fake: FakeGoogle;
let drive: drive_v3.Drive;
beforeAll(async () => {
  fake = await startFakeGoogle({ storageLimitBytes: 1_000_000 });
  ({ drive } = signedInDrive(fake));
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function folder(name: string, parents?: string[], appProperties?: Record<string, string>) {
  const { data } = await drive.files.create({
    requestBody: { name, mimeType: FOLDER_MIME, parents, appProperties },
    fields: 'id,name,parents',
  });
  return data;
}

async function names(q: string): Promise<string[]> {
  const { data } = await drive.files.list({ q, fields: 'files(name)' });
  return (data.files ?? []).map((f) => f.name ?? '').sort();
}

function errorOf(error: unknown): { status?: number; reason?: string } {
  if (!(error instanceof GaxiosError)) throw error;
  const data = error.response?.data as { error?: { errors?: { reason?: string }[] } } | undefined;
  return { status: error.status, reason: data?.error?.errors?.[0]?.reason };
}

describe('about', () => {
  it('reports the user and the storage quota as strings', async () => {
    const { data } = await drive.about.get({
      fields: 'user(displayName,emailAddress),storageQuota',
    });
    expect(data.user).toEqual({ displayName: 'Fake User', emailAddress: 'fake.user@example.com' });
    expect(data.storageQuota).toMatchObject({ limit: '1000000', usage: '0' });
  });

  it('requires fields, as Drive does', async () => {
    expect(errorOf(await drive.about.get().catch((e: unknown) => e)).status).toBe(400);
  });
});

describe('folders and q', () => {
  it('creates folders under root and under each other, and lists them by each q form', async () => {
    const top = await folder("Bob's photos", ['root'], { driveupRoot: '1' });
    const child = await folder('2024', [top.id ?? '']);
    await drive.files.create({ requestBody: { name: 'notes.txt', parents: [top.id ?? ''] } });
    const trashed = await folder('old');
    await drive.files.update({ fileId: trashed.id ?? '', requestBody: { trashed: true } });

    expect(child.parents).toEqual([top.id]);
    expect(await names("name = 'Bob\\'s photos'")).toEqual(["Bob's photos"]);
    expect(await names(`'${top.id}' in parents`)).toEqual(['2024', 'notes.txt']);
    expect(await names(`'${top.id}' in parents and mimeType = '${FOLDER_MIME}'`)).toEqual(['2024']);
    expect(await names(`'${top.id}' in parents and mimeType != '${FOLDER_MIME}'`)).toEqual([
      'notes.txt',
    ]);
    expect(await names("'root' in parents and trashed = false")).toEqual(["Bob's photos"]);
    expect(await names("'root' in parents")).toEqual(["Bob's photos", 'old']);
    expect(
      await names("appProperties has { key='driveupRoot' and value='1' } and trashed = false"),
    ).toEqual(["Bob's photos"]);
    expect(await names("appProperties has { key='driveupRoot' and value='2' }")).toEqual([]);
  });

  it('answers 400 invalidQuery to syntax it does not know', async () => {
    for (const q of ["name = 'x", 'size > 3', "name = 'x' and", "name ~ 'x'"]) {
      const error = await drive.files.list({ q }).catch((e: unknown) => e);
      expect(errorOf(error), q).toEqual({ status: 400, reason: 'invalidQuery' });
    }
  });

  it('pages with nextPageToken', async () => {
    for (let i = 0; i < 5; i++) await folder(`f${i}`);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const { data } = await drive.files.list({
        pageSize: 2,
        pageToken,
        fields: 'nextPageToken,files(name)',
      });
      seen.push(...(data.files ?? []).map((f) => f.name ?? ''));
      pageToken = data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  it('answers 404 notFound for an unknown parent', async () => {
    const error = await folder('x', ['no-such-folder']).catch((e: unknown) => e);
    expect(errorOf(error)).toEqual({ status: 404, reason: 'notFound' });
  });
});

describe('fields', () => {
  it('defaults to kind,id,name,mimeType and honours top-level and nested selections', async () => {
    const { data: created } = await drive.files.create({ requestBody: { name: 'a' } });
    expect(Object.keys(created).sort()).toEqual(['id', 'kind', 'mimeType', 'name']);

    const { data: some } = await drive.files.get({
      fileId: created.id ?? '',
      fields: 'id,size,md5Checksum,webViewLink,parents',
    });
    expect(some).toEqual({
      id: created.id,
      size: '0',
      md5Checksum: 'd41d8cd98f00b204e9800998ecf8427e',
      webViewLink: `https://drive.google.com/file/d/${created.id}/view`,
      parents: [expect.any(String)],
    });

    const { data: list } = await drive.files.list({ fields: 'files(id,name)' });
    expect(list).toEqual({ files: [{ id: created.id, name: 'a' }] });
    const { data: all } = await drive.files.list({ fields: 'files/id' });
    expect(all).toEqual({ files: [{ id: created.id }] });
    const { data: whole } = await drive.files.get({ fileId: created.id ?? '', fields: '*' });
    expect(whole).toMatchObject({ trashed: false, createdTime: expect.any(String) });
  });
});

describe('get, update, delete', () => {
  it('patches metadata, moves between folders, merges appProperties and deletes', async () => {
    const a = await folder('a');
    const b = await folder('b');
    const { data: file } = await drive.files.create({
      requestBody: { name: 'f', parents: [a.id ?? ''], appProperties: { x: '1', y: '2' } },
    });
    const { data: patched } = await drive.files.update({
      fileId: file.id ?? '',
      addParents: b.id ?? '',
      removeParents: a.id ?? '',
      requestBody: { name: 'g', appProperties: { x: '3', y: null } as never },
      fields: 'name,parents,appProperties',
    });
    expect(patched).toEqual({ name: 'g', parents: [b.id], appProperties: { x: '3' } });

    await drive.files.delete({ fileId: a.id ?? '' });
    expect(fake.files().map((f) => f.name)).toEqual(['b', 'g']);
    await drive.files.delete({ fileId: b.id ?? '' });
    expect(fake.files()).toEqual([]);
    const gone = await drive.files.get({ fileId: file.id ?? '' }).catch((e: unknown) => e);
    expect(errorOf(gone)).toEqual({ status: 404, reason: 'notFound' });
  });
});

describe('authentication', () => {
  it('answers 401 authError without a bearer token', async () => {
    const res = await fetch(`${fake.url}/drive/v3/files`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: number; errors: { reason: string }[] } };
    expect(body.error.code).toBe(401);
    expect(body.error.errors[0]?.reason).toBe('authError');
    const upload = await fetch(`${fake.url}/upload/drive/v3/files?uploadType=media`, {
      method: 'POST',
      body: 'x',
    });
    expect(upload.status).toBe(401);
    expect(fake.files()).toEqual([]);
  });
});
