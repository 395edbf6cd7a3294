import { z } from 'zod';

/**
 * - `denied`: the user declined on Google's consent page;
 * - `provider-error`: Google redirected back with an error other than a refusal, or without a code;
 * - `exchange-failed`: Google did not exchange the code, or the account could not be read;
 * - `timeout`: no answer from the browser in time, or Google did not answer in time after it;
 * - `cancelled`: `cancelSignIn()`, or the agent stopping;
 * - `superseded`: a newer sign-in replaced this one before it ended.
 */
export const signInFailureSchema = z.enum([
  'denied',
  'provider-error',
  'exchange-failed',
  'timeout',
  'cancelled',
  'superseded',
]);
export type SignInFailure = z.infer<typeof signInFailureSchema>;

/** Why a sign-in attempt ended without signing in; `message` is meant for the user. */
export class SignInError extends Error {
  readonly reason: SignInFailure;

  constructor(reason: SignInFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SignInError';
    this.reason = reason;
  }
}
