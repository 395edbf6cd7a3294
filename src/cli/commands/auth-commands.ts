import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { renderAccount } from './status-command.ts';

type AuthStatus = Awaited<ReturnType<CliContext['client']['auth']['status']['query']>>;

export function registerAuthCommands(program: Command, ctx: CliContext): void {
  program
    .command('signin')
    .description('Sign in with Google (opens your browser; waits until you have agreed)')
    .option('--no-browser', 'only print the address to open (for machines without a browser)')
    .action(async (options: { browser: boolean }) => {
      const status = await signIn(ctx, options.browser);
      ctx.print(status, () => `Signed in as ${renderAccount(status)}.`);
      if (status.state !== 'signed-in') process.exitCode = EXIT.failed;
    });

  program
    .command('signout')
    .description('Sign out: revoke DriveUp’s access at Google and delete the stored tokens')
    .action(async () => {
      const result = await ctx.client.auth.signOut.mutate();
      ctx.print(result, () => result.message);
    });
}

/**
 * Starts the sign-in, prints the address at once (so a headless user can open it elsewhere) and
 * waits for the agent to say how it ended.
 */
async function signIn(ctx: CliContext, openBrowser: boolean): Promise<AuthStatus> {
  let settle!: (status: AuthStatus) => void;
  let fail!: (error: unknown) => void;
  const ended = new Promise<AuthStatus>((res, rej) => ((settle = res), (fail = rej)));
  const subscription = ctx.client.events.subscribe(
    {},
    {
      onData: ({ data: event }) => {
        if (event.type !== 'auth.changed') return;
        const { status } = event.data as { status: AuthStatus };
        if (status.state !== 'signing-in') settle(status);
      },
      onError: fail,
    },
  );
  try {
    const { url } = await ctx.client.auth.beginSignIn.mutate({ openBrowser });
    const say = ctx.json ? process.stderr : process.stdout;
    say.write(
      openBrowser
        ? `Opening your browser. If it does not open, visit:\n${url}\n`
        : `Open this address in a browser to sign in:\n${url}\n`,
    );
    const status = await ended;
    if (status.state !== 'signed-in') {
      throw new CliError(`Sign-in did not complete: ${renderAccount(status)}`, EXIT.failed);
    }
    return status;
  } finally {
    subscription.unsubscribe();
  }
}
