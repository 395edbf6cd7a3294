import { Argument, type Command } from 'commander';
import { completionModel } from '../completion/completion-model.ts';
import { completionScript, SHELLS, type Shell } from '../completion/completion-scripts.ts';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('Print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      `
Load it in the current shell:
  bash  source <(driveup completion bash)
  zsh   source <(driveup completion zsh)
  fish  driveup completion fish | source
Or for every new shell:
  bash  driveup completion bash > ~/.local/share/bash-completion/completions/driveup
  zsh   driveup completion zsh > "\${fpath[1]}/_driveup"
  fish  driveup completion fish > ~/.config/fish/completions/driveup.fish`,
    )
    .action(async (shell: Shell) => {
      // The schema is loaded only here: it brings the MongoDB driver, which other commands skip.
      const { settingKeys } = await import('../settings-keys.ts');
      const keys = settingKeys().map((k) => k.key);
      const nodes = completionModel(program, (path) =>
        path === 'settings get' || path === 'settings set' ? keys : [],
      );
      process.stdout.write(completionScript(shell, nodes));
    });
}
