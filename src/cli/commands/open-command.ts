import type { Command } from 'commander';
import { systemBrowserOpener } from '../../core/auth/browser-opener.ts';
import { WINDOW_PAGES } from '../../ipc/common/window-pages.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT } from '../exit-codes.ts';

export function registerOpen(program: Command, ctx: CliContext): void {
  program
    .command('open')
    .description('Open a DriveUp window in your browser (the agent must run with web mode)')
    .argument('[page]', `the window: ${Object.keys(WINDOW_PAGES).join(', ')}`, 'history')
    .option(
      '--print',
      'print the one-time address instead of opening it (for a browser elsewhere, over an SSH tunnel)',
    )
    .action(async (page: string, options: { print?: boolean }) => {
      // Minted by the agent, asked for over its socket: only its owner can get one.
      const { url } = await ctx.client.web.openUrl.mutate({ page });
      if (options.print) return ctx.print({ page, url, opened: false }, () => url);
      try {
        // The system browser, started without DriveUp's variables (secrets) in its environment.
        await systemBrowserOpener(() => process.env)(url);
      } catch (error) {
        process.exitCode = EXIT.failed;
        return ctx.print(
          { page, url, opened: false, error: (error as Error).message },
          () =>
            `No browser could be opened: ${(error as Error).message}.\nOpen this address yourself within a minute (it works once; from another machine, through an SSH tunnel to this port):\n${url}`,
        );
      }
      ctx.print(
        { page, url, opened: true },
        () => `Opened ${page} in your browser (its address works once, within a minute).`,
      );
    });
}
