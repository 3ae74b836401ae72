// Shell completion from the catalogue. The scripts ask the tool itself
// (`origin-setup __complete -- WORDS…`), so completion follows the installed version's
// tasks and options; the quick entry answers without loading any task code.
import { GLOBAL_OPTIONS, GLOBAL_SHORT, type CatalogueOption, type CatalogueTask } from './catalogue.js';
import { BIN } from './help.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Printed alone when the word to complete is a file name: the script offers files then. */
export const FILES = '__files__';

const COMMANDS = ['list', 'help', 'completion'];

/**
 * The candidates for the last word, given the words after the program name (the last
 * one being the word under the cursor, possibly empty).
 */
export function complete(tasks: readonly CatalogueTask[], words: readonly string[]): string[] {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const byName = new Map<string, CatalogueTask>();
  for (const t of tasks) for (const n of [t.name, ...t.aliases]) byName.set(n, t);

  // The value of an option that takes one.
  const prev = before[before.length - 1];
  const { task, positional } = locate(before, byName);
  const options = [...GLOBAL_OPTIONS, ...(task?.options ?? [])];
  if (prev?.startsWith('-')) {
    const spec = findOption(options, prev);
    if (spec && spec.type !== 'boolean') {
      if (spec.choices) return spec.choices.filter((c) => c.startsWith(cur));
      return /file/i.test(spec.placeholder ?? '') ? [FILES] : [];
    }
  }
  if (cur.startsWith('-')) {
    const flags = options.flatMap((o) => [
      o.flag,
      ...(o.negatable ? [`--no-${o.flag.slice(2)}`] : []),
      ...(GLOBAL_SHORT[o.flag] ? [GLOBAL_SHORT[o.flag]!] : []),
    ]);
    return unique(flags).filter((f) => f.startsWith(cur));
  }
  if (positional.length === 0) {
    // The task word: full names, namespaces (for the Thor spelling `ns task`) and commands.
    const namespaces = new Set<string>();
    for (const t of tasks) {
      const parts = t.name.split(':');
      for (let i = 1; i < parts.length; i++) namespaces.add(parts.slice(0, i).join(':'));
    }
    return unique([...COMMANDS, ...namespaces, ...byName.keys()])
      .filter((n) => n.startsWith(cur))
      .sort();
  }
  const first = positional[0]!;
  if (first === 'help' && positional.length === 1) return [...byName.keys()].filter((n) => n.startsWith(cur)).sort();
  if (first === 'completion' && positional.length === 1) return SHELLS.filter((s) => s.startsWith(cur));
  if (first === 'list' && positional.length === 1) {
    const namespaces = new Set(tasks.map((t) => t.name.split(':').slice(0, -1).join(':')));
    return [...namespaces].filter((n) => n.startsWith(cur)).sort();
  }
  if (!task) {
    // Thor spelling: `ec2:instance cr<TAB>` offers the tasks of that namespace.
    if (positional.length === 1) {
      return [...byName.keys()]
        .filter((n) => n.startsWith(`${first}:`) && !n.slice(first.length + 1).includes(':'))
        .map((n) => n.slice(first.length + 1))
        .filter((n) => n.startsWith(cur))
        .sort();
    }
    return [];
  }
  return [];
}

/** The task named by the words so far (either spelling) and the positional words. */
function locate(words: readonly string[], byName: Map<string, CatalogueTask>): { task?: CatalogueTask; positional: string[] } {
  const positional: string[] = [];
  let task: CatalogueTask | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') break;
    if (w.startsWith('-')) {
      // An option's value is not a positional word: skip it.
      const spec = findOption([...GLOBAL_OPTIONS, ...(task?.options ?? [])], w);
      if (spec && spec.type !== 'boolean' && !w.includes('=')) i++;
      continue;
    }
    positional.push(w);
    if (!task && positional.length <= 2) {
      task = positional.length === 1 ? byName.get(w) : byName.get(`${positional[0]}:${w}`);
    }
  }
  return { task, positional };
}

function findOption(options: readonly CatalogueOption[], word: string): CatalogueOption | undefined {
  const flag = word.split('=')[0]!;
  return options.find((o) => o.flag === flag || GLOBAL_SHORT[o.flag] === flag);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** What `__complete -- WORDS…` prints: one candidate per line. */
export function completionAnswer(tasks: readonly CatalogueTask[], argv: readonly string[]): string {
  const dash = argv.indexOf('--');
  const words = dash < 0 ? argv.slice(1) : argv.slice(dash + 1);
  const found = complete(tasks, words.length ? words : ['']);
  return found.length ? `${found.join('\n')}\n` : '';
}

export function completionScript(shell: Shell): string {
  const fn = `_${BIN.replace(/-/g, '_')}`;
  switch (shell) {
    case 'bash':
      return `# bash completion for ${BIN}: eval "$(${BIN} completion bash)" (e.g. in ~/.bashrc)
${fn}() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  local cur="\${words[\${#words[@]}-1]}"
  local IFS=$'\\n'
  local -a cands
  cands=($(${BIN} __complete -- "\${words[@]:1}" 2>/dev/null))
  COMPREPLY=()
  if [[ "\${cands[*]}" == "${FILES}" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  # bash splits words at ':' (COMP_WORDBREAKS): it replaces only what follows the last one.
  local colon=""
  [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]] && colon="\${cur%:*}:"
  local c
  for c in "\${cands[@]}"; do COMPREPLY+=("\${c#"$colon"}"); done
}
complete -F ${fn} ${BIN}
`;
    case 'zsh':
      return `#compdef ${BIN}
# zsh completion for ${BIN}: eval "$(${BIN} completion zsh)" (after compinit)
${fn}() {
  local -a cands
  cands=("\${(@f)$(${BIN} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${cands[*]}" == "${FILES}" ]]; then
    _files
    return
  fi
  compadd -Q -- "\${cands[@]}"
}
compdef ${fn} ${BIN}
`;
    case 'fish':
      return `# fish completion for ${BIN}: ${BIN} completion fish | source
function __${fn}_candidates
  set -l cands (${BIN} __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
  if test "$cands" = "${FILES}"
    __fish_complete_path (commandline -ct)
  else
    printf '%s\\n' $cands
  end
end
complete -c ${BIN} -f -a '(__${fn}_candidates)'
`;
  }
}
