export type SignInFailure =
  /** The user declined on Google's consent page. */
  | 'denied'
  /** Google redirected back with an error other than a refusal, or without a code. */
  | 'provider-error'
  /** Google did not exchange the code, or the account could not be read. */
  | 'exchange-failed'
  /** No answer from the browser in time, or Google did not answer in time after it. */
  | 'timeout'
  /** `cancelSignIn()`, or the agent stopping. */
  | 'cancelled'
  /** A newer sign-in replaced this one before it ended. */
  | 'superseded';

/** Why a sign-in attempt ended without signing in; `message` is meant for the user. */
export class SignInError extends Error {
  readonly reason: SignInFailure;

  constructor(reason: SignInFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SignInError';
    this.reason = reason;
  }
}
