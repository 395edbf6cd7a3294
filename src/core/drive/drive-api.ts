import type { drive_v3 } from '@googleapis/drive';
import { STATUS_CODES } from 'node:http';
import type { DriveClient } from './drive-client.ts';
import { DriveHttpError } from './drive-errors.ts';
import type { HttpResponse } from './drive-http.ts';

/**
 * Drive's metadata calls (about, list, get, create a folder, trash, delete) through Google's generated
 * Drive v3 client, `@googleapis/drive`: the Drive API alone (the whole `googleapis` package is
 * every Google API, 200 MB installed, and its types weigh on every type-check). It builds the
 * requests (paths, query parameters, bodies) and types the answers; every request still travels
 * through `DriveClient.send` (the adapter below): paced by the one DrivePacer, over the uploader's
 * keep-alive agents and idle timeout, a 401 refreshed once, and a failure classified exactly as an
 * upload's is (DriveHttpError, network codes).
 *
 * Uploads do not use it (as rclone, which uses Google's generated client for metadata and its own
 * chunked uploader): googleapis buffers a multipart body in a PassThrough, has no resumable
 * sessions, sends media to Google's real host whatever the root, and cannot give an idle timeout
 * or backpressure from the disk. The streaming uploader (multipart-upload.ts, resumable-upload.ts)
 * stays for that.
 */
export class DriveApi {
  readonly #client: DriveClient;
  #drive: Promise<drive_v3.Drive> | undefined;

  constructor(client: DriveClient) {
    this.#client = client;
  }

  async about(fields: string, signal: AbortSignal): Promise<drive_v3.Schema$About> {
    const drive = await this.#generated();
    return this.#data(drive.about.get({ fields }, this.#options(signal)));
  }

  async list(params: drive_v3.Params$Resource$Files$List, signal: AbortSignal) {
    const drive = await this.#generated();
    return this.#data(drive.files.list(params, this.#options(signal)));
  }

  async get(fileId: string, fields: string, signal: AbortSignal): Promise<drive_v3.Schema$File> {
    const drive = await this.#generated();
    return this.#data(drive.files.get({ fileId, fields }, this.#options(signal)));
  }

  async create(
    requestBody: drive_v3.Schema$File,
    fields: string,
    signal: AbortSignal,
  ): Promise<drive_v3.Schema$File> {
    const drive = await this.#generated();
    return this.#data(drive.files.create({ requestBody, fields }, this.#options(signal)));
  }

  async trash(fileId: string, signal: AbortSignal): Promise<void> {
    const drive = await this.#generated();
    const requestBody = { trashed: true };
    await this.#data(
      drive.files.update({ fileId, fields: 'id,trashed', requestBody }, this.#options(signal)),
    );
  }

  async delete(fileId: string, signal: AbortSignal): Promise<void> {
    const drive = await this.#generated();
    await this.#data(drive.files.delete({ fileId }, this.#options(signal)));
  }

  /**
   * Loaded at the first metadata call, not with the agent: the client and its googleapis-common
   * (which brings its own google-auth-library) would add some 150 ms to every agent's start.
   */
  #generated(): Promise<drive_v3.Drive> {
    this.#drive ??= import('@googleapis/drive').then(({ drive_v3: generated }) => {
      // No retries of its own: the queue decides when to try again, with the pacer's pace.
      // The generated client names each answer's type; the adapter only carries the bytes.
      const adapter = ((options: AdapterOptions) => this.#send(options)) as DriveAdapter;
      return new generated.Drive({ adapter, retry: false });
    });
    return this.#drive;
  }

  /** The root is read per call: `google.endpoint` may change while the agent runs. */
  #options(signal: AbortSignal): { rootUrl: string; signal: AbortSignal } {
    return { rootUrl: this.#client.apiRoot, signal };
  }

  /** The answer's data, or the adapter's own error: gaxios wraps what an adapter throws. */
  async #data<T>(request: Promise<{ data: T }>): Promise<T> {
    try {
      return (await request).data;
    } catch (error) {
      throw unwrapped(error);
    }
  }

  async #send(options: AdapterOptions) {
    const headers: Record<string, string> = {};
    new Headers(options.headers).forEach((value, key) => {
      headers[key] = value;
    });
    // Our transport hands the body over as it came: ask for none compressed (answers are small).
    delete headers['accept-encoding'];
    const body = options.body;
    if (body !== undefined && body !== null && typeof body !== 'string')
      throw new TypeError('Drive metadata requests carry JSON bodies only');
    const response = await this.#client.send({
      method: options.method ?? 'GET',
      url: String(options.url),
      headers,
      ...(typeof body === 'string' ? { body: Buffer.from(body) } : {}),
      signal: options.signal ?? new AbortController().signal,
    });
    if (response.status < 200 || response.status >= 300)
      throw DriveHttpError.fromResponse(response);
    return Object.assign(
      new Response(null, {
        status: response.status,
        statusText: STATUS_CODES[response.status] ?? '',
        headers: plainHeaders(response),
      }),
      { config: options, data: jsonOf(response) },
    );
  }
}

type DriveAdapter = NonNullable<drive_v3.Options['adapter']>;
type AdapterOptions = Parameters<DriveAdapter>[0];

function jsonOf(response: HttpResponse): unknown {
  if (response.body.length === 0) return '';
  return JSON.parse(response.body.toString('utf8'));
}

function plainHeaders(response: HttpResponse): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(key, one);
  }
  return headers;
}

/** gaxios puts an adapter's failure in the `cause` of a GaxiosError (which carries `config`). */
function unwrapped(error: unknown): unknown {
  const wrapper = error as { config?: unknown; cause?: unknown } | null;
  return wrapper && typeof wrapper === 'object' && 'config' in wrapper && wrapper.cause
    ? wrapper.cause
    : error;
}
