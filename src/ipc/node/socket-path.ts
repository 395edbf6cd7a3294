import { SocketPathTooLongError } from './socket-errors.ts';

/** `\\.\pipe\name` (or `\\?\pipe\name`): a Windows named pipe rather than a file. */
export function isNamedPipe(socketPath: string): boolean {
  return /^[\\/]{2}[.?][\\/]pipe[\\/]/i.test(socketPath);
}

/**
 * sockaddr_un.sun_path is 108 bytes on Linux and 104 on macOS and the BSDs, NUL included. libuv
 * refuses longer paths with a bare EINVAL, which tells a user nothing, so we check first.
 */
function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

export function assertSocketPathFits(
  socketPath: string,
  platform: NodeJS.Platform = process.platform,
): void {
  if (isNamedPipe(socketPath)) return;
  const bytes = Buffer.byteLength(socketPath);
  const max = maxSocketPathBytes(platform);
  if (bytes > max) throw new SocketPathTooLongError(socketPath, bytes, max);
}
