export { BandwidthLimiter, type LimiterClock } from './bandwidth-limiter.ts';
export type { DriveAuth } from './drive-auth.ts';
export {
  ACCESS_REVOKED,
  classifyDriveError,
  DRIVE_FULL,
  DriveHttpError,
  parseRetryAfter,
} from './drive-errors.ts';
export { DriveUploader, type DriveUploaderOptions } from './drive-uploader.ts';
export { FolderResolver } from './folder-resolver.ts';
export { createDriveAuthFromTokens, type OAuthTokens } from './token-drive-auth.ts';
export { UploadError, type Uploader, type UploadRequest, type UploadResult } from './uploader.ts';
