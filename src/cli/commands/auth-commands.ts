import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { authWarningWords } from '../status-words.ts';

type SignInOutcome = Awaited<ReturnType<CliContext['client']['auth']['signInOutcome']['query']>>;
type AuthStatus = Awaited<ReturnType<CliContext['client']['auth']['status']['query']>>;

/** What a shell reports for a command ended by Ctrl-C (128 + SIGINT). */
const INTERRUPTED = 130;

interface SignInOptions {
  browser: boolean;
  switch?: boolean;
  timeout?: number;
}

export function registerAuthCommands(program: Command, ctx: CliContext): void {
  program
    .command('signin')
    .description('Sign in with Google (opens your browser; waits until you have agreed)')
    .option('--no-browser', 'only print the address to open (for machines without a browser)')
    .option('--switch', 'sign in again although an account is signed in (another account)')
    .option(
      '--timeout <duration>',
      'how long to wait for the browser, e.g. 90s or 10m (default 5m)',
      parseDuration,
    )
    .action((options: SignInOptions) => signIn(ctx, options));

  program
    .command('signout')
    .description('Sign out: revoke DriveUp’s access at Google and delete the stored tokens')
    .action(async () => {
      const result = await ctx.client.auth.signOut.mutate();
      ctx.print(result, () => result.message);
    });
}

/**
 * Starts a sign-in, prints the address at once (so a headless user can open it elsewhere) and
 * waits for that attempt's own outcome; Ctrl-C cancels it.
 */
async function signIn(ctx: CliContext, options: SignInOptions): Promise<void> {
  // Listening before anything is printed: a Ctrl-C right after the address appears cancels too.
  let interrupted = false;
  let attemptId: string | undefined;
  const cancel = () => {
    if (attemptId) void ctx.client.auth.cancelSignIn.mutate({ attemptId }).catch(() => {});
  };
  const onInterrupt = () => {
    interrupted = true;
    cancel();
  };
  process.once('SIGINT', onInterrupt);
  try {
    const started = await ctx.client.auth.beginSignIn.mutate({
      openBrowser: options.browser,
      switchAccount: options.switch ?? false,
      ...(options.timeout ? { timeoutSeconds: options.timeout } : {}),
    });
    if (started.kind === 'already-signed-in') {
      ctx.print(
        started,
        () =>
          `Already signed in as ${who(started.account)}.\nTo sign in again (another account, or to renew DriveUp's access), run \`driveup signin --switch\`.`,
      );
      return;
    }
    attemptId = started.attemptId;
    if (interrupted) cancel();
    const say = ctx.json ? process.stderr : process.stdout;
    say.write(
      options.browser
        ? `Opening your browser. If it does not open, visit:\n${started.url}\n`
        : `Open this address in a browser to sign in:\n${started.url}\n`,
    );
    const outcome = await ctx.client.auth.signInOutcome
      .query({ attemptId })
      .catch((error: unknown) => {
        if (interrupted) return undefined;
        throw error;
      });
    if (interrupted && outcome?.kind !== 'signed-in') {
      process.stderr.write('Sign-in cancelled.\n');
      process.exitCode = INTERRUPTED;
      return;
    }
    if (!outcome) throw new Error('the agent did not say how the sign-in ended');
    if (outcome.kind === 'failed') throw new CliError(failureText(outcome), EXIT.failed);
    const status = await ctx.client.auth.status.query();
    ctx.print({ ...status, attemptId, outcome }, () =>
      [`Signed in as ${who(outcome.account)}.`, ...warnings(status)].join('\n'),
    );
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function failureText(outcome: Extract<SignInOutcome, { kind: 'failed' }>): string {
  const still = outcome.account
    ? `\nStill signed in as ${who(outcome.account)}, as before.`
    : '\nNot signed in.';
  return `Sign-in did not complete: ${outcome.message}${still}`;
}

function who(account: { email: string; displayName: string }): string {
  return account.email || account.displayName || 'your Google account';
}

function warnings(status: AuthStatus): string[] {
  return status.warnings.map((warning) => `warning: ${authWarningWords(warning)}`);
}

/** `90`, `90s`, `10m`: seconds, as the API takes them. */
function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m)?$/i.exec(text.trim());
  const seconds = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'm' ? 60 : 1) : NaN;
  if (!(seconds >= 1 && seconds <= 3600)) {
    throw new CliError(
      `--timeout takes a duration from 1s to 60m, such as 90s or 10m (got "${text}").`,
      EXIT.usage,
    );
  }
  return seconds;
}
