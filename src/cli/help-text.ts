import type { SettingKey } from './settings-keys.ts';

/** After `driveup --help`: what newcomers try first, what scripts check, and where to go on. */
export const EXAMPLES_AND_EXIT_CODES = `
Examples:
  driveup agent                                  run the agent (or open the DriveUp app)
  driveup signin                                 sign in with Google (--no-browser on a server)
  driveup add report.pdf scans/ --to Lab/2026 --wait
  driveup watch add /data/instrument --to 'Lab/{machine}/{yyyy}-{mm}'
  driveup queue --state failed                   what did not upload, and why
  driveup retry --failed                         try every failed job again
  driveup cancel 1a2b                            ids may be shortened to 4+ characters
  driveup history invoice --since yesterday      search what was uploaded
  driveup queue --json --all | jq '.jobs[].name' every command has --json for scripts
  driveup doctor                                 check that everything is in order
  driveup logs -f                                follow the agent's log

Exit codes:
  0    success
  1    something failed (add --wait: a file failed; doctor: a problem was found)
  2    usage error, or input the agent refused
  3    no agent is running (start one: driveup agent)
  130  interrupted with Ctrl-C (uploads go on in the agent)

Shell completion: driveup completion bash|zsh|fish (see driveup completion --help).`;

/** The settings keys `settings get|set` take, with what each means. */
export function settingsKeysHelp(keys: SettingKey[], columns = 100): string {
  const width = Math.max(...keys.map((k) => k.key.length));
  const lines = keys.flatMap((k) => {
    const choices = k.choices.length ? `(${k.choices.join(', ')})` : '';
    const text = [k.description, choices].filter(Boolean).join(' ');
    const wrapped = wrap(text, Math.max(30, columns - width - 5));
    return wrapped.map((line, i) => `  ${(i ? '' : k.key).padEnd(width)}  ${line}`.trimEnd());
  });
  return `\n\nSettings keys (driveup settings get|set KEY):\n${lines.join('\n')}`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/** Whether this command line will print help, so that the settings keys are worth loading. */
export function wantsHelp(args: readonly string[]): boolean {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return args.includes('--help') || args.includes('-h') || words[0] === 'help' || !args.length;
}
