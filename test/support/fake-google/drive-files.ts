import { FILE_DEFAULT_FIELDS, LIST_DEFAULT_FIELDS, select } from './drive-fields.ts';
import { parseQuery } from './drive-query.ts';
import { DriveError, type Exchange } from './http-io.ts';
import { FOLDER_MIME, newFileResource, newId, type FakeFile, type Store } from './store.ts';

export interface DriveContext {
  store: Store;
  storageLimitBytes: number;
  /** Contents above this size keep only md5 and size. */
  keepBytesUpTo: number;
  user: { email: string; displayName: string };
}

const FILE_PATH = /^\/drive\/v3\/files\/([^/]+)$/;

/** Drive v3 metadata routes. Returns false when the route is not one of them. */
export async function handleDriveFiles(ctx: DriveContext, ex: Exchange): Promise<boolean> {
  const { pathname } = ex.url;
  const route = `${ex.method} ${pathname}`;
  if (route === 'GET /drive/v3/about') {
    about(ctx, ex);
    return true;
  }
  if (route === 'GET /drive/v3/files') {
    list(ctx, ex);
    return true;
  }
  if (route === 'POST /drive/v3/files') {
    const file = newFileFromMetadata(ctx, await ex.readJson(), 'application/octet-stream');
    const folder = file.mimeType === FOLDER_MIME;
    // A metadata-only file is an empty file, as in Drive.
    ctx.store.insert(
      file,
      folder ? undefined : { size: 0, md5: EMPTY_MD5, bytes: Buffer.alloc(0) },
    );
    fileResponse(ex, file);
    return true;
  }
  const id = FILE_PATH.exec(pathname)?.[1];
  if (id === undefined) return false;
  const file = existingFile(ctx, decodeURIComponent(id));
  switch (ex.method) {
    case 'GET':
      if (ex.query('alt') === 'media') download(ctx, ex, file);
      else fileResponse(ex, file);
      return true;
    case 'PATCH':
      updateMetadata(ctx, file, await ex.readJson(), ex.url.searchParams);
      fileResponse(ex, file);
      return true;
    case 'DELETE':
      if (file.id === ctx.store.rootId) throw new DriveError(403, 'insufficientFilePermissions');
      ctx.store.delete(file.id);
      ex.send(204, {});
      return true;
    default:
      return false;
  }
}

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

export function fileResponse(ex: Exchange, file: FakeFile): void {
  ex.json(200, select(file, ex.query('fields'), FILE_DEFAULT_FIELDS));
}

export function existingFile(ctx: DriveContext, id: string): FakeFile {
  const file = ctx.store.get(id);
  if (!file) throw new DriveError(404, 'notFound', `File not found: ${id}.`);
  return file;
}

/** Throws Drive's 403 when storing `additionalBytes` more would go over the user's quota. */
export function ensureQuota(ctx: DriveContext, additionalBytes: number): void {
  if (ctx.store.usageBytes() + additionalBytes > ctx.storageLimitBytes) {
    throw new DriveError(403, 'storageQuotaExceeded');
  }
}

export function newFileFromMetadata(
  ctx: DriveContext,
  meta: Record<string, unknown>,
  fallbackMime: string,
): FakeFile {
  const id = typeof meta.id === 'string' ? meta.id : newId();
  if (ctx.store.get(id))
    throw new DriveError(409, 'duplicate', 'A file already exists with the provided ID.');
  const file = newFileResource({
    id,
    name: typeof meta.name === 'string' ? meta.name : 'Untitled',
    mimeType: typeof meta.mimeType === 'string' ? meta.mimeType : fallbackMime,
    parents: validParents(ctx, meta.parents),
  });
  if (file.mimeType !== FOLDER_MIME && typeof meta.name === 'string')
    file.originalFilename = meta.name;
  if (typeof meta.originalFilename === 'string') file.originalFilename = meta.originalFilename;
  if (typeof meta.createdTime === 'string') file.createdTime = meta.createdTime;
  applyWritableFields(file, meta);
  return file;
}

export function updateMetadata(
  ctx: DriveContext,
  file: FakeFile,
  meta: Record<string, unknown>,
  query: URLSearchParams,
): void {
  if (file.id === ctx.store.rootId) throw new DriveError(403, 'insufficientFilePermissions');
  if ('parents' in meta) {
    throw new DriveError(
      403,
      'fieldNotWritable',
      'The resource body includes fields which are not directly writable.',
    );
  }
  const add = splitIds(query.get('addParents'));
  const remove = splitIds(query.get('removeParents')).map((p) => ctx.store.resolveId(p));
  if (add.length || remove.length) {
    const added = validParents(ctx, add);
    file.parents = [...file.parents.filter((p) => !remove.includes(p)), ...added];
  }
  if (typeof meta.name === 'string') file.name = meta.name;
  if (typeof meta.mimeType === 'string') file.mimeType = meta.mimeType;
  if (typeof meta.trashed === 'boolean') file.trashed = meta.trashed;
  if (typeof meta.originalFilename === 'string') file.originalFilename = meta.originalFilename;
  file.modifiedTime = new Date().toISOString();
  applyWritableFields(file, meta);
}

function applyWritableFields(file: FakeFile, meta: Record<string, unknown>): void {
  if (typeof meta.description === 'string') file.description = meta.description;
  if (typeof meta.starred === 'boolean') file.starred = meta.starred;
  if (typeof meta.modifiedTime === 'string') file.modifiedTime = meta.modifiedTime;
  mergeProperties(file.appProperties, meta.appProperties);
  mergeProperties(file.properties, meta.properties);
}

/** As in Drive, properties merge key by key and a null value deletes its key. */
function mergeProperties(target: Record<string, string>, patch: unknown): void {
  if (typeof patch !== 'object' || patch === null) return;
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else target[key] = String(value);
  }
}

function validParents(ctx: DriveContext, parents: unknown): string[] {
  if (parents === undefined) return [ctx.store.rootId];
  if (!Array.isArray(parents)) throw new DriveError(400, 'invalid', 'Invalid Value');
  return parents.map((parent) => {
    const id = ctx.store.resolveId(String(parent));
    if (!ctx.store.get(id))
      throw new DriveError(404, 'notFound', `File not found: ${String(parent)}.`);
    if (!ctx.store.isFolder(id)) {
      throw new DriveError(400, 'invalidParent', 'The specified parent is not a folder.');
    }
    return id;
  });
}

function splitIds(value: string | null): string[] {
  return (value ?? '').split(',').filter(Boolean);
}

function about(ctx: DriveContext, ex: Exchange): void {
  if (!ex.query('fields')) {
    throw new DriveError(400, 'required', "The 'fields' parameter is required for this method.");
  }
  const usage = ctx.store.usageBytes();
  const trash = ctx.store
    .all()
    .filter((f) => f.trashed)
    .reduce((sum, f) => sum + Number(f.size ?? 0), 0);
  const body = {
    kind: 'drive#about',
    user: {
      kind: 'drive#user',
      displayName: ctx.user.displayName,
      emailAddress: ctx.user.email,
      me: true,
      permissionId: 'fake-permission-id',
    },
    storageQuota: {
      limit: String(ctx.storageLimitBytes),
      usage: String(usage),
      usageInDrive: String(usage),
      usageInDriveTrash: String(trash),
    },
    maxUploadSize: '5242880000000',
  };
  ex.json(200, select(body, ex.query('fields'), ''));
}

function list(ctx: DriveContext, ex: Exchange): void {
  const q = ex.query('q') ?? '';
  const matches = ctx.store.all().filter(parseQuery(q, (id) => ctx.store.resolveId(id)));
  const pageSize = Math.min(Math.max(Number(ex.query('pageSize') ?? 100) || 100, 1), 1000);
  const offset = decodePageToken(ex.query('pageToken'), q);
  const page = matches.slice(offset, offset + pageSize);
  const next =
    offset + pageSize < matches.length ? encodePageToken(offset + pageSize, q) : undefined;
  const body = {
    kind: 'drive#fileList',
    ...(next ? { nextPageToken: next } : {}),
    incompleteSearch: false,
    files: page,
  };
  ex.json(200, select(body, ex.query('fields'), LIST_DEFAULT_FIELDS));
}

/** Page tokens are bound to their query, as Drive's are. */
function encodePageToken(offset: number, q: string): string {
  return Buffer.from(JSON.stringify({ offset, q })).toString('base64url');
}

function decodePageToken(token: string | null, q: string): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset: number;
      q: string;
    };
    if (parsed.q === q && Number.isInteger(parsed.offset) && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // fall through to Drive's answer for a bad token
  }
  throw new DriveError(400, 'invalid', 'Invalid Value');
}

function download(ctx: DriveContext, ex: Exchange, file: FakeFile): void {
  if (file.mimeType === FOLDER_MIME) {
    throw new DriveError(
      403,
      'fileNotDownloadable',
      'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
    );
  }
  const bytes = ctx.store.bytes(file.id);
  if (!bytes) {
    throw new DriveError(
      501,
      'notImplemented',
      `fake-google kept only the md5 and size of ${file.id} (larger than keepBytesUpTo).`,
    );
  }
  ex.send(200, { 'Content-Type': file.mimeType, 'Content-Length': bytes.length }, bytes);
}
