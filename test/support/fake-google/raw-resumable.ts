import type { FakeGoogle } from './index.ts';

/** The resumable protocol spoken by hand with fetch, for tests that need to see every status and header. */
export class RawResumable {
  readonly #fake: FakeGoogle;
  readonly #token: string;

  constructor(fake: FakeGoogle, accessToken: string) {
    this.#fake = fake;
    this.#token = accessToken;
  }

  async initiate(
    metadata: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(
      `${this.#fake.url}/upload/drive/v3/files?uploadType=resumable&fields=id,name,size,md5Checksum`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${this.#token}`,
          'Content-Type': 'application/json; charset=UTF-8',
          ...headers,
        },
        body: JSON.stringify(metadata),
      },
    );
  }

  async start(metadata: Record<string, unknown>, total?: number): Promise<string> {
    const res = await this.initiate(
      metadata,
      total === undefined ? {} : { 'X-Upload-Content-Length': String(total) },
    );
    if (res.status !== 200) throw new Error(`initiate answered ${res.status}`);
    return res.headers.get('location') ?? '';
  }

  /** Sends bytes [start, start + body.length) of a file of `total` bytes ('*' when unknown). */
  put(
    session: string,
    body: Uint8Array<ArrayBuffer>,
    start: number,
    total: number | '*',
  ): Promise<Response> {
    return fetch(session, {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${this.#token}`,
        'Content-Range': `bytes ${start}-${start + body.length - 1}/${total}`,
      },
      body,
    });
  }

  status(session: string, total: number | '*' = '*'): Promise<Response> {
    return fetch(session, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${this.#token}`, 'Content-Range': `bytes */${total}` },
    });
  }
}
