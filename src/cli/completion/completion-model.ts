import type { Command } from 'commander';

/** What can follow one command (`""` for `driveup` itself, `watch add`, …) on a command line. */
export interface CompletionNode {
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  options: Array<{ flags: string[]; description: string; takesValue: boolean; choices: string[] }>;
  /** Known values of its first positional argument (choices, settings keys). */
  values: string[];
  /** Its positional arguments are local paths: complete file names. */
  files: boolean;
}

/** Arguments named so take local paths. */
const PATH_ARGUMENTS = new Set(['paths', 'path', 'folder', 'file']);

/**
 * Every command of the program with its subcommands, options and argument values, read from
 * commander itself, so completion always matches what the command accepts. `valuesFor` adds
 * argument values commander does not know (the settings keys of `settings get|set`).
 */
export function completionModel(
  program: Command,
  valuesFor: (path: string) => string[] = () => [],
): CompletionNode[] {
  // Program options (`--json`) are taken after any command; `--version` only by driveup itself.
  const global = program.options.filter((o) => !o.hidden && o.long !== '--version');
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string) => {
    const options = [...(command === program ? program.options : [...command.options, ...global])]
      .filter((o) => !o.hidden)
      .map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => Boolean(f)),
        description: o.description,
        takesValue: o.required || o.optional,
        choices: o.argChoices ?? [],
      }));
    options.push({
      flags: ['-h', '--help'],
      description: 'show help',
      takesValue: false,
      choices: [],
    });
    const first = command.registeredArguments[0];
    const subcommands = command.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
    }));
    if (command === program)
      subcommands.push({ name: 'help', description: 'show help for a command' });
    nodes.push({
      path,
      subcommands,
      options,
      values: [...(first?.argChoices ?? []), ...valuesFor(path)],
      files: command.registeredArguments.some((a) => PATH_ARGUMENTS.has(a.name())),
    });
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, '');
  return nodes;
}
