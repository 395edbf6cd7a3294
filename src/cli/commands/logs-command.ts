import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { onInterrupt } from '../interrupt.ts';
import { followLog, lastLines } from '../logs/log-files.ts';
import { formatLogRecord, LOG_LEVELS, parseLogLine, type LogLevelName } from '../logs/log-line.ts';
import { positiveInt } from '../option-parsers.ts';
import { escapeControl } from '../terminal-text.ts';

interface LogsOptions {
  follow?: boolean;
  lines: number;
  level?: LogLevelName;
}

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("Show the agent's log, readable (works without an agent); --json: the raw lines")
    .option('-f, --follow', 'keep printing new lines as the agent writes them (Ctrl-C stops)')
    .option('-n, --lines <n>', 'how many of the last lines', positiveInt, 100)
    .addOption(
      new Option('--level <level>', 'only lines at this level or above').choices(
        Object.keys(LOG_LEVELS),
      ),
    )
    .action(async (options: LogsOptions) => {
      const minimum = options.level ? LOG_LEVELS[options.level] : 0;
      // --json: the lines as the agent wrote them, one JSON object a line, for jq and scripts.
      const show = (line: string) => {
        const record = parseLogLine(line);
        if (record && record.level < minimum) return;
        if (ctx.json) {
          if (record) process.stdout.write(`${line}\n`);
        } else {
          process.stdout.write(`${record ? formatLogRecord(record) : escapeControl(line)}\n`);
        }
      };
      const { lines, end } = await lastLines(ctx.paths.stateDir, options.lines);
      if (!lines.length && !options.follow && !ctx.json)
        process.stderr.write(
          `No log yet in ${ctx.paths.stateDir}: the agent writes it while it runs (\`driveup agent\`).\n`,
        );
      for (const line of lines) show(line);
      if (!options.follow) return;
      const stop = await followLog(ctx.paths.stateDir, end, show);
      await new Promise<void>(() => {
        onInterrupt(() => {
          stop();
          return undefined;
        });
      });
    });
}
