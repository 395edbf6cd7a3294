import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/**
 * The agent's log files in its state directory, oldest first: pino-roll writes `driveup.1.log`,
 * `driveup.2.log`, … (the number grows at each rotation; five are kept).
 */
async function logFiles(stateDir: string): Promise<string[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, n: Number(/^driveup\.(?:.+\.)?(\d+)\.log$/.exec(name)?.[1]) }))
    .filter((file) => Number.isInteger(file.n))
    .sort((a, b) => a.n - b.n)
    .map((file) => join(stateDir, file.name));
}

/** Where reading stopped: following goes on from there, so no line falls between the two. */
export interface LogPosition {
  file: string | undefined;
  offset: number;
}

/** The last `count` whole lines of the log, across rotated files, and where they end. */
export async function lastLines(
  stateDir: string,
  count: number,
): Promise<{ lines: string[]; end: LogPosition }> {
  const files = await logFiles(stateDir);
  const lines: string[] = [];
  let end: LogPosition = { file: files.at(-1), offset: 0 };
  for (const [i, file] of [...files].reverse().entries()) {
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    // A line still being written belongs to the follower, which goes on from its start.
    const whole = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
    if (i === 0) end = { file, offset: whole.length };
    if (lines.length >= count) continue;
    const fileLines = whole.toString('utf8').split('\n').filter(Boolean);
    lines.unshift(...fileLines.slice(-(count - lines.length)));
  }
  return { lines, end };
}

/**
 * Calls `onLine` for every line appended to the log from now on, following rotation to the next
 * file, until the returned function is called. Changes are noticed through the directory's
 * watcher, with a poll every second behind it (some file systems send no events).
 */
export async function followLog(
  stateDir: string,
  from: LogPosition,
  onLine: (line: string) => void,
): Promise<() => void> {
  let { file, offset } = from;
  let partial = '';
  let decoder = new StringDecoder('utf8');
  let reading = false;
  let again = false;

  const readNew = async () => {
    if (reading) return void (again = true);
    reading = true;
    try {
      do {
        again = false;
        const files = await logFiles(stateDir);
        if (!file) [file, offset] = [files.at(-1), 0];
        if (!file) continue;
        offset = await readFrom(file, offset, decoder, (text) => {
          const lines = (partial + text).split('\n');
          partial = lines.pop()!;
          for (const line of lines) if (line) onLine(line);
        });
        const newer = files.filter((f) => f !== file).at(-1);
        // Rotated: the old file is complete (read to its end above); go on in the newest.
        if (newer && files.indexOf(newer) > files.indexOf(file)) {
          [file, offset, partial, again] = [newer, 0, '', true];
          decoder = new StringDecoder('utf8');
        }
      } while (again);
    } finally {
      reading = false;
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(stateDir, () => void readNew());
    watcher.on('error', () => undefined);
  } catch {
    // No directory yet, or no watcher here: the poll below still follows.
  }
  const poll = setInterval(() => void readNew(), 1000);
  return () => {
    clearInterval(poll);
    watcher?.close();
  };
}

/** Reads `file` from `offset` to its end; returns the new offset (0 when the file was truncated). */
async function readFrom(
  file: string,
  offset: number,
  decoder: StringDecoder,
  onText: (text: string) => void,
): Promise<number> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return offset;
  try {
    const { size } = await handle.stat();
    let position = size < offset ? 0 : offset;
    const buffer = Buffer.alloc(64 * 1024);
    while (position < size) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (!bytesRead) break;
      // A character cut at the buffer's end is completed by the next read.
      onText(decoder.write(buffer.subarray(0, bytesRead)));
      position += bytesRead;
    }
    return position;
  } finally {
    await handle.close();
  }
}
