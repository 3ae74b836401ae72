// Accepts the Thor spellings before commander sees the words:
//   origin-setup ec2:instance create …   →  origin-setup ec2:instance:create …
//   origin-setup help ec2:instance create → origin-setup help ec2:instance:create
//   --ssh_key FILE                        →  --ssh-key FILE
import type { AnyTask } from './task.js';

/** Finds a task by name or alias (the registry, src/tasks/index.ts). */
export type TaskFinder = (name: string) => AnyTask | undefined;

/** Global options that take a value, so their value is not mistaken for the task name. */
export const GLOBAL_VALUE_OPTIONS = new Set([
  '--awscred',
  '--profile',
  '--region',
  '--endpoint-url',
  '--username',
  '--ssh-key',
  '--sandbox-dir',
  '--sandbox-ssh',
]);

export interface Normalized {
  argv: string[];
  /** Index of the command word (task name, `list`, `help`), or -1. */
  commandIndex: number;
}

export function normalizeArgv(input: readonly string[], findTask: TaskFinder): Normalized {
  const argv: string[] = [];
  let afterDoubleDash = false;
  for (const word of input) {
    if (word === '--') afterDoubleDash = true;
    // `--sandbox=DIR` names the sandbox's directory; a bare --sandbox never takes the next word.
    if (!afterDoubleDash && word.startsWith('--sandbox=')) {
      argv.push('--sandbox', '--sandbox-dir', word.slice('--sandbox='.length));
      continue;
    }
    argv.push(!afterDoubleDash && /^--[a-z0-9]+(_[a-z0-9]+)+(=|$)/.test(word) ? word.replace(/^--[^=]+/, (f) => f.replace(/_/g, '-')) : word);
  }
  const commandIndex = firstWord(argv);
  if (commandIndex >= 0) {
    const target = argv[commandIndex] === 'help' ? commandIndex + 1 : commandIndex;
    joinThorSpelling(argv, target, findTask);
    if (argv[target] !== undefined) {
      const task = findTask(argv[target]);
      if (task) argv[target] = task.name;
    }
  }
  return { argv, commandIndex };
}

function firstWord(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return -1;
    if (word.startsWith('-')) {
      if (GLOBAL_VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** `ns` `task` → `ns:task` when that names a task and the first word alone does not. */
function joinThorSpelling(argv: string[], i: number, findTask: TaskFinder): void {
  const first = argv[i];
  const second = argv[i + 1];
  if (first === undefined || second === undefined || second.startsWith('-')) return;
  if (findTask(first)) return;
  const joined = `${first}:${second}`;
  if (findTask(joined)) argv.splice(i, 2, joined);
}
