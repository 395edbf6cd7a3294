/** The `driveup` command's exit codes: scripts rely on them, so they never change meaning. */
export const EXIT = {
  ok: 0,
  /** Something failed (with `add --wait`: any file failed). */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
  /** No agent is running for this data directory. */
  noAgent: 3,
  /** Ctrl-C while waiting (128 + SIGINT, as shells report it); the agent's work goes on. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports in one or two lines and exits with `code`. */
export class CliError extends Error {
  readonly code: ExitCode;

  constructor(message: string, code: ExitCode = EXIT.failed) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}
