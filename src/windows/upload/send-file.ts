/** How sending one file to the agent ended. */
export type SendAnswer =
  { kind: 'queued'; jobIds: string[] } | { kind: 'refused'; message: string } | { kind: 'aborted' };

export interface Sending {
  done: Promise<SendAnswer>;
  abort(): void;
}

/**
 * Web mode: one file's bytes to the agent (`POST /upload?name=…&folder=…`, the file as the body),
 * with progress while they go.
 *
 * XMLHttpRequest rather than fetch: its `upload.onprogress` reports bytes as they leave, and it
 * sends a File from disk with its length announced (the agent refuses a file too large for its
 * disk before a byte is written). fetch reports nothing while sending, and a fetch with a stream
 * as its body (the way to count bytes oneself) needs HTTP/2 in Chromium: over the agent's
 * HTTP/1.1 loopback server it fails at once (ERR_H2_OR_QUIC_REQUIRED).
 */
export function sendToAgent(
  file: File,
  folder: string,
  options: { onProgress(sentBytes: number): void },
): Sending {
  const request = new XMLHttpRequest();
  const query = new URLSearchParams({ name: file.name });
  if (folder) query.set('folder', folder);
  const done = new Promise<SendAnswer>((resolve) => {
    request.upload.onprogress = (event) => options.onProgress(event.loaded);
    request.onload = () => resolve(answerOf(request, file));
    request.onerror = () =>
      resolve({ kind: 'refused', message: "DriveUp's agent did not answer; try again." });
    request.onabort = () => resolve({ kind: 'aborted' });
  });
  request.open('POST', `/upload?${query}`);
  request.responseType = 'json';
  request.send(file);
  return { done, abort: () => request.abort() };
}

function answerOf(request: XMLHttpRequest, file: File): SendAnswer {
  const body = request.response as {
    jobIds?: string[];
    error?: { message?: string };
  } | null;
  if (request.status === 200 && body?.jobIds?.length)
    return { kind: 'queued', jobIds: body.jobIds };
  if (request.status === 401) {
    return {
      kind: 'refused',
      message: 'This browser is no longer signed in to DriveUp: run `driveup open`, then retry.',
    };
  }
  return {
    kind: 'refused',
    message: body?.error?.message ?? `DriveUp did not take ${file.name} (HTTP ${request.status}).`,
  };
}
