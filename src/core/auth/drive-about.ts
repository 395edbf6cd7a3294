import type { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { DriveApi } from '../drive/drive-api.ts';
import { DriveClient, type DriveTransport } from '../drive/drive-client.ts';

/** Who is signed in. `id` is Drive's `permissionId`: see `account-store.ts` for why. */
export interface DriveAccount {
  id: string;
  email: string;
  displayName: string;
}

export interface StorageQuota {
  usedBytes: number;
  /** Null for unlimited storage (some Workspace plans). */
  limitBytes: number | null;
}

export interface DriveAbout {
  account: DriveAccount;
  storage: StorageQuota;
}

/** Drive sends int64 values as decimal strings. */
const int64 = z.union([z.string(), z.number()]).transform(Number).pipe(z.number().nonnegative());

const aboutSchema = z.object({
  user: z.object({
    permissionId: z.string().min(1),
    emailAddress: z.string().default(''),
    displayName: z.string().default(''),
  }),
  storageQuota: z.object({ usage: int64.default(0), limit: int64.optional() }).prefault({}),
});

const FIELDS = 'user(permissionId,emailAddress,displayName),storageQuota(usage,limit)';

/**
 * Reads the account and its storage from Drive's `about`. It works with the narrow `drive.file`
 * scope, so signing in asks for nothing beyond what uploading needs.
 */
export async function fetchDriveAbout(
  client: OAuth2Client,
  apiRoot: string,
  transport: DriveTransport,
  signal: AbortSignal = new AbortController().signal,
): Promise<DriveAbout> {
  const auth = { client: () => Promise.resolve(client) };
  const api = new DriveApi(new DriveClient(auth, transport.http, apiRoot, transport.pacer));
  const about = aboutSchema.parse(await api.about(FIELDS, signal));
  return {
    account: {
      id: about.user.permissionId,
      email: about.user.emailAddress,
      displayName: about.user.displayName,
    },
    storage: { usedBytes: about.storageQuota.usage, limitBytes: about.storageQuota.limit ?? null },
  };
}
