import type { CompletionNode } from './completion-model.ts';

/*
 * Completion scripts for bash, zsh and fish, generated from the completion model. Each shell gets
 * the same logic: find the deepest known command among the words typed so far (options and their
 * values are skipped over because they are not command paths), then offer that command's option
 * values, options, subcommands or argument values, or else file names.
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, nodes: CompletionNode[]): string {
  switch (shell) {
    case 'bash':
      return bashScript(nodes);
    case 'zsh':
      return zshScript(nodes);
    case 'fish':
      return fishScript(nodes);
  }
}

const words = (list: string[]) => list.join(' ');
const allFlags = (node: CompletionNode) => node.options.flatMap((o) => o.flags);
const paths = (nodes: CompletionNode[]) => nodes.filter((n) => n.path).map((n) => n.path);
/** For a single-quoted shell string. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bashScript(nodes: CompletionNode[]): string {
  const known = paths(nodes).map(quote).join('|');
  const choices = nodes.flatMap((node) =>
    node.options
      .filter((o) => o.choices.length)
      .map(
        (o) =>
          `    ${o.flags.map((f) => quote(`${node.path}|${f}`)).join('|')}) COMPREPLY=($(compgen -W ${quote(words(o.choices))} -- "$cur")); return ;;`,
      ),
  );
  const valued = nodes.flatMap((node) =>
    node.options
      .filter((o) => o.takesValue && !o.choices.length)
      .map((o) => o.flags.map((f) => quote(`${node.path}|${f}`)).join('|')),
  );
  const perNode = nodes.map(
    (node) =>
      `    ${quote(node.path)}) opts=${quote(words(allFlags(node)))}; subs=${quote(
        words([...node.subcommands.map((s) => s.name), ...node.values]),
      )} ;;`,
  );
  return `# driveup completion for bash. Load it in this shell with:  source <(driveup completion bash)
# or for good:  driveup completion bash > ~/.local/share/bash-completion/completions/driveup
_driveup() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" candidate i opts subs args=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    candidate="\${cmd:+$cmd }\${COMP_WORDS[i]}"
    case "$candidate" in
      ${known}) cmd="$candidate"; args=0 ;;
      *) [[ "\${COMP_WORDS[i]}" == -* ]] || args=$((args + 1)) ;;
    esac
  done
  case "$cmd|$prev" in
${choices.join('\n')}
${valued.length ? `    ${valued.join('|')}) COMPREPLY=(); return ;;` : ''}
  esac
  case "$cmd" in
${perNode.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]] && ((args == 0)); then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  fi
}
complete -o default -o bashdefault -F _driveup driveup
`;
}

/** zsh: descriptions beside subcommands and options, file names where arguments are paths. */
function zshScript(nodes: CompletionNode[]): string {
  const described = (items: Array<{ name: string; description: string }>) =>
    items.map((i) => quote(`${i.name.replace(/:/g, '\\:')}:${i.description}`)).join(' ');
  const known = paths(nodes).map(quote).join('|');
  const choices = nodes.flatMap((node) =>
    node.options
      .filter((o) => o.choices.length)
      .map(
        (o) =>
          `    (${o.flags.map((f) => quote(`${node.path}|${f}`)).join('|')}) compadd -- ${o.choices.map(quote).join(' ')}; return ;;`,
      ),
  );
  const valued = nodes.flatMap((node) =>
    node.options
      .filter((o) => o.takesValue && !o.choices.length)
      .map((o) => o.flags.map((f) => quote(`${node.path}|${f}`)).join('|')),
  );
  const perNode = nodes.map((node) => {
    const opts = node.options.flatMap((o) =>
      o.flags.map((f) => ({ name: f, description: o.description })),
    );
    const subs = [...node.subcommands, ...node.values.map((v) => ({ name: v, description: '' }))];
    return `    (${quote(node.path)}) opts=(${described(opts)}); subs=(${described(subs)}); files=${node.files ? 1 : 0} ;;`;
  });
  return `#compdef driveup
# driveup completion for zsh. Load it with:  source <(driveup completion zsh)
# or for good: save it as _driveup in a folder of your $fpath.
_driveup() {
  local cmd="" candidate i
  local -a opts subs
  local files=0 args=0
  for ((i = 2; i < CURRENT; i++)); do
    candidate="\${cmd:+$cmd }\${words[i]}"
    case "$candidate" in
      (${known}) cmd="$candidate"; args=0 ;;
      (*) [[ "\${words[i]}" == -* ]] || args=$((args + 1)) ;;
    esac
  done
  case "$cmd|\${words[CURRENT-1]}" in
${choices.join('\n')}
${valued.length ? `    (${valued.join('|')}) _files; return ;;` : ''}
  esac
  case "$cmd" in
${perNode.join('\n')}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    _describe -t options 'option' opts
  elif (( \${#subs} && args == 0 )); then
    _describe -t commands 'command' subs
  elif (( files )); then
    _files
  fi
}
if [[ "\${funcstack[1]}" == _driveup ]]; then
  _driveup "$@"
elif (( $+functions[compdef] )); then
  compdef _driveup driveup
else
  autoload -Uz compinit && compinit && compdef _driveup driveup
fi
`;
}

function fishScript(nodes: CompletionNode[]): string {
  const known = paths(nodes).map(quote).join(' ');
  const lines: string[] = [];
  for (const node of nodes) {
    const when = `-n ${quote(`string match -q -- "${node.path}|*" (__driveup_cmd)`)}`;
    const first = `-n ${quote(`test (__driveup_cmd) = "${node.path}|0"`)}`;
    for (const sub of node.subcommands)
      lines.push(`complete -c driveup ${first} -a ${quote(sub.name)} -d ${quote(sub.description)}`);
    for (const value of node.values) lines.push(`complete -c driveup ${first} -a ${quote(value)}`);
    for (const option of node.options) {
      const flags = option.flags
        .map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`))
        .join(' ');
      const value = option.choices.length
        ? ` -x -a ${quote(words(option.choices))}`
        : option.takesValue
          ? ' -r'
          : '';
      lines.push(`complete -c driveup ${when} ${flags}${value} -d ${quote(option.description)}`);
    }
    if (node.files) lines.push(`complete -c driveup ${when} -F`);
  }
  return `# driveup completion for fish. Load it with:  driveup completion fish | source
# or for good:  driveup completion fish > ~/.config/fish/completions/driveup.fish
function __driveup_cmd
  set -l known ${known}
  set -l tokens (commandline -opc)
  set -e tokens[1]
  set -l cmd ''
  set -l args 0
  for word in $tokens
    set -l candidate (string trim -- "$cmd $word")
    if contains -- $candidate $known
      set cmd $candidate
      set args 0
    else if not string match -q -- '-*' $word
      set args (math $args + 1)
    end
  end
  echo "$cmd|$args"
end
complete -c driveup -f
${lines.join('\n')}
`;
}
