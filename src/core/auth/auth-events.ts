import type { AuthStatus, SignInOutcome } from './auth-status.ts';

/** Events the auth area emits on the agent's bus (name → payload). */
export interface AuthEvents {
  /**
   * Any change of sign-in state. The agent pauses uploads on `signed-out` and `needs-sign-in`
   * (giving `status.reason`), resumes them on `signed-in`, and leaves them as they are during
   * `signing-in` (an account already signed in keeps uploading until the new sign-in completes).
   */
  'auth.changed': { status: AuthStatus };
  /** One sign-in attempt ended: each attempt reports its own outcome, whatever others do. */
  'auth.attemptEnded': { attemptId: string; outcome: SignInOutcome };
}
