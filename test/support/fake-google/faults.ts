/**
 * A fault is "the next N requests that match, misbehave like this".
 *
 * Matching:
 * - `method`: HTTP method, any when absent (case-insensitive).
 * - `path`: a string is a prefix of the URL path (no query), e.g. '/upload/drive/v3/files';
 *   a RegExp is tested against path + query, e.g. /upload_id=abc/.
 * - `uploadType`: the request's `uploadType` query parameter must equal it. Resumable chunk PUTs carry
 *   `uploadType=resumable` in their session URL, so they match 'resumable'.
 * - `times`: how many matching requests it hits (default 1); `Infinity` for all of them
 *   (over /__admin/faults, which is JSON, send -1).
 * When several faults match, the one added first is used; each request is hit by at most one fault.
 *
 * Actions (exactly one per fault):
 * - `{ status, reason?, message?, retryAfterSeconds? }`: answer with a Drive-style error body
 *   `{ error: { code, message, errors: [{ reason, domain, message }] } }` (and `Retry-After`) after
 *   reading and discarding the request body. Nothing is stored. With `html`, the body is that HTML
 *   page instead, as a proxy in front of Google would answer.
 * - `{ resetAfterBytes: K }`: destroy the socket, without answering, once K bytes of the request body
 *   have arrived (or when the body ends, if it is shorter). For a resumable chunk, the bytes received
 *   before the reset count as persisted in whole 256 KiB units, as Drive may persist part of a chunk.
 * - `{ resetAfterCommit: true }`: handle the request completely (store the file, commit the chunk), then
 *   destroy the socket instead of answering: "the create may have succeeded but no answer came".
 * - `{ expireSession: true }`: the resumable session named by the request's `upload_id` expires; this
 *   request and every later one on that session get 404.
 * - `{ latencyMs }`: delay this request by that long before handling it.
 * - `{ hang: true }`: read the request body, then never answer; the connection stays open until the
 *   client gives up (or the fake closes). A token refresh or an upload that waits forever.
 */
export type FaultSpec = FaultMatch & FaultAction;

export interface FaultMatch {
  method?: string;
  path: string | RegExp;
  uploadType?: 'multipart' | 'media' | 'resumable';
  times?: number;
}

export type FaultAction =
  | ErrorFault
  | { resetAfterBytes: number }
  | { resetAfterCommit: true }
  | { expireSession: true }
  | { latencyMs: number }
  | { hang: true };

export interface ErrorFault {
  status: number;
  reason?: string;
  message?: string;
  retryAfterSeconds?: number;
  /** An HTML page as the body (`text/html`) instead of Drive's JSON error. */
  html?: string;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export class Faults {
  #active: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    validate(spec);
    this.#active.push({ spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.#active = [];
  }

  /** Finds the first fault matching this request and uses up one of its hits. */
  take(method: string, url: URL): FaultSpec | undefined {
    const index = this.#active.findIndex(({ spec }) => matches(spec, method, url));
    const hit = this.#active[index];
    if (!hit) return undefined;
    hit.remaining -= 1;
    if (hit.remaining <= 0) this.#active.splice(index, 1);
    return hit.spec;
  }
}

function matches(spec: FaultSpec, method: string, url: URL): boolean {
  if (spec.method && spec.method.toUpperCase() !== method) return false;
  if (spec.uploadType && url.searchParams.get('uploadType') !== spec.uploadType) return false;
  return typeof spec.path === 'string'
    ? url.pathname.startsWith(spec.path)
    : spec.path.test(url.pathname + url.search);
}

function validate(spec: FaultSpec): void {
  const actions = [
    'status',
    'resetAfterBytes',
    'resetAfterCommit',
    'expireSession',
    'latencyMs',
    'hang',
  ];
  const given = actions.filter((key) => key in spec);
  if (given.length !== 1) {
    throw new Error(`a fault needs exactly one of ${actions.join(', ')}; got ${given.join(', ')}`);
  }
  if (spec.times !== undefined && !(spec.times >= 1)) {
    throw new Error('a fault needs times >= 1 (Infinity for every matching request)');
  }
  if (typeof spec.path !== 'string' && !(spec.path instanceof RegExp)) {
    throw new Error('a fault needs a path (string prefix or RegExp)');
  }
}

/** The JSON form accepted by POST /__admin/faults: `path` is a string, or `pathRegex` a RegExp source. */
export function faultFromJson(json: unknown): FaultSpec {
  if (typeof json !== 'object' || json === null) throw new Error('fault must be a JSON object');
  const { pathRegex, path, times, ...rest } = json as Record<string, unknown>;
  const spec = {
    ...rest,
    path: typeof pathRegex === 'string' ? new RegExp(pathRegex) : path,
    ...(typeof times === 'number' ? { times: times < 0 ? Infinity : times } : {}),
  } as FaultSpec;
  validate(spec);
  return spec;
}
