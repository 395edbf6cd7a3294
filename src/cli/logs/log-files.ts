import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/**
 * The agent's log files in its state directory, oldest first: pino-roll writes `driveup.1.log`,
 * `driveup.2.log`, … (the number grows at each rotation; five are kept).
 */
export async function logFiles(stateDir: string): Promise<string[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, n: Number(/^driveup\.(?:.+\.)?(\d+)\.log$/.exec(name)?.[1]) }))
    .filter((file) => Number.isInteger(file.n))
    .sort((a, b) => a.n - b.n)
    .map((file) => join(stateDir, file.name));
}

/** The last `count` lines of the log, across rotated files. */
export async function lastLines(stateDir: string, count: number): Promise<string[]> {
  const files = await logFiles(stateDir);
  const lines: string[] = [];
  for (const file of files.reverse()) {
    if (lines.length >= count) break;
    const text = await readFile(file, 'utf8').catch(() => '');
    const fileLines = text.split('\n').filter(Boolean);
    lines.unshift(...fileLines.slice(-(count - lines.length)));
  }
  return lines;
}

/**
 * Calls `onLine` for every line appended to the log from now on, following rotation to the next
 * file, until the returned function is called. Changes are noticed through the directory's
 * watcher, with a poll every second behind it (some file systems send no events).
 */
export async function followLog(
  stateDir: string,
  onLine: (line: string) => void,
): Promise<() => void> {
  let file = (await logFiles(stateDir)).at(-1);
  let offset = file ? (await stat(file)).size : 0;
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
