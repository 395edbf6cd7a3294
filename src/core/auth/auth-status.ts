import { z } from 'zod';
import { signInFailureSchema } from './sign-in-error.ts';

export const accountSummarySchema = z.object({
  /** Drive's `permissionId`: stable for the Google account. */
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
});
export type AccountSummary = z.infer<typeof accountSummarySchema>;

export const storageQuotaSchema = z.object({
  usedBytes: z.number(),
  /** Null for unlimited storage (some Workspace plans). */
  limitBytes: z.number().nullable(),
});

/**
 * Why the stored sign-in no longer works: Google refused it (revoked, expired, password
 * changed); it does not grant the `google.scope` setting; or the stored tokens cannot be read
 * here: sealed and no key is set (`tokens-locked`), another key than theirs (`tokens-wrong-key`),
 * or damaged. Each face says what to do (set a key, sign in again).
 */
export const needsSignInCauseSchema = z.enum([
  'refused',
  'scope-missing',
  'tokens-locked',
  'tokens-wrong-key',
  'tokens-damaged',
]);
export type NeedsSignInCause = z.infer<typeof needsSignInCauseSchema>;

export const authStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('signed-out') }),
  /** Waiting for the browser; `url` is for users whose browser did not open. */
  z.object({ state: z.literal('signing-in'), url: z.string() }),
  /** `storage` is null until Drive has been reached. */
  z.object({
    state: z.literal('signed-in'),
    account: accountSummarySchema,
    storage: storageQuotaSchema.nullable(),
  }),
  /**
   * The stored sign-in no longer works; uploads wait until the user signs in again. `account` is
   * null when not even the account list could be read (a key that does not open it).
   */
  z.object({
    state: z.literal('needs-sign-in'),
    cause: needsSignInCauseSchema,
    /** Google's or the store's own account of it (for `scope-missing`, the scope wanted). */
    detail: z.string(),
    account: accountSummarySchema.nullable(),
  }),
]);
export type AuthState = z.infer<typeof authStateSchema>;

/**
 * What the user should know that stops nothing, as data for each face to word:
 * - `tokens-unprotected`: tokens are stored as they are (`protection: null`: only the files'
 *   permissions keep them), or sealed with a key anyone on this machine has (`none`);
 * - `storage-unknown`: Drive could not be reached to read storage use;
 * - `browser-not-opened`: the sign-in page could not be opened (`url` is to open by hand);
 * - `not-revoked`: signed out here, but Google could not be reached to revoke access.
 */
export const authWarningSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('tokens-unprotected'),
    where: z.string(),
    protection: z.literal('none').nullable(),
  }),
  z.object({ kind: z.literal('storage-unknown'), detail: z.string() }),
  z.object({ kind: z.literal('browser-not-opened'), detail: z.string(), url: z.string() }),
  z.object({ kind: z.literal('not-revoked'), detail: z.string() }),
]);
export type AuthWarning = z.infer<typeof authWarningSchema>;

export const authStatusSchema = authStateSchema.and(
  z.object({ warnings: z.array(authWarningSchema) }),
);
export type AuthStatus = z.infer<typeof authStatusSchema>;

/**
 * How one sign-in attempt ended. `account` on a failure is who is signed in now (the account from
 * before the attempt, if any), so a face can say that nothing changed.
 */
export const signInOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('signed-in'), account: accountSummarySchema }),
  z.object({
    kind: z.literal('failed'),
    reason: signInFailureSchema,
    message: z.string(),
    account: accountSummarySchema.nullable(),
  }),
]);
export type SignInOutcome = z.infer<typeof signInOutcomeSchema>;

/** A sign-in attempt as faces see it: the address to open and until when it waits. */
export const signInAttemptViewSchema = z.object({
  attemptId: z.string(),
  url: z.string(),
  expiresAt: z.date(),
});
export type SignInAttemptView = z.infer<typeof signInAttemptViewSchema>;

/**
 * The answer to "sign in": an attempt started, or nothing done because an account is signed in
 * and the caller did not ask to switch.
 */
export const signInRequestResultSchema = z.discriminatedUnion('kind', [
  signInAttemptViewSchema.extend({ kind: z.literal('started') }),
  z.object({ kind: z.literal('already-signed-in'), account: accountSummarySchema }),
]);
export type SignInRequestResult = z.infer<typeof signInRequestResultSchema>;
