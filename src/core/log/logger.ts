import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, stdSerializers, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/settings-schema.ts';
import { RollingFile } from './rolling-file.ts';
import { redactSecrets, redactString } from './secret-redaction.ts';

export type { Logger };

export interface LoggerOptions {
  stateDir: string;
  level: LogLevel;
  /** Also print to stdout (`driveup agent --foreground`). */
  alsoStdout?: boolean;
}

export interface FileLogger {
  logger: Logger;
  /** The newest log file (a symlink that follows rotation). */
  currentFile: string;
  /** Flushes and closes the file. */
  close(): Promise<void>;
  /** Hears of each failed write (a full disk); SonicBoom keeps the lines and writes them later. */
  onWriteError(listener: (error: Error) => void): void;
}

/**
 * Structured JSON logs in the state directory, rotated by size and day, five old files kept.
 * Written in-process (not a worker transport) so that a crash or `close()` loses no line. Log
 * files are opened without following links (see rolling-file.ts): a LogFileError says which one.
 */
export async function createFileLogger(options: LoggerOptions): Promise<FileLogger> {
  // Logs may name files: owner only.
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const file = new RollingFile({
    dir: options.stateDir,
    base: 'driveup',
    maxBytes: 10 * 1024 * 1024,
    keep: 5,
  });
  // Without a listener, a failed write (ENOSPC) would be an uncaught 'error' that kills the agent.
  const writeErrorListeners = new Set<(error: Error) => void>();
  file.onError((error) => writeErrorListeners.forEach((listener) => listener(error)));
  const streams: DestinationStream = options.alsoStdout
    ? pino.multistream([
        { stream: file, level: options.level },
        { stream: process.stdout, level: options.level },
      ])
    : file;
  const logger = pino(
    {
      level: options.level,
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
      serializers: { err: serializeError },
      hooks: { logMethod: redactMessage },
    },
    streams,
  );
  return {
    logger,
    currentFile: join(options.stateDir, 'current.log'),
    close: () => file.close(),
    onWriteError: (listener) => void writeErrorListeners.add(listener),
  };
}

/** A logger that drops everything: for tests and tools that do not need a log file. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error);
  return redactSecrets(serialized);
}

function redactMessage(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  method.apply(
    this,
    args.map((a) => (typeof a === 'string' ? redactString(a) : a)),
  );
}
