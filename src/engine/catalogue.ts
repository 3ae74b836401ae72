// The task catalogue as plain data: what `list`, `list --json`, `help` usage lines and
// shell completion need, without the tasks' code. The build writes it to
// dist/catalogue.json, so `list` and completion answer without loading the tasks.
import { upper } from './bind.js';
import { flagName, type AnyTask } from './task.js';

export interface CatalogueArg {
  name: string;
  description: string;
  optional?: true;
  variadic?: true;
  /** Takes a target expression: many hosts (a,b  @GROUP  tag:K=V). */
  hosts?: true;
}

export interface CatalogueOption {
  /** `--ssh-key` */
  flag: string;
  type: 'string' | 'boolean' | 'number' | 'list';
  description: string;
  placeholder?: string;
  default?: string | boolean | number | readonly string[];
  choices?: readonly string[];
  required?: true;
  /** A boolean that defaults to true also has `--no-FLAG`. */
  negatable?: true;
}

export interface CatalogueTask {
  name: string;
  summary: string;
  /** `ec2:instance:create --name=NAME --image=IMAGE [options]` */
  usage: string;
  args: CatalogueArg[];
  options: CatalogueOption[];
  aliases: string[];
  example?: string;
}

/** Global options, accepted before or after the task name. */
export const GLOBAL_OPTIONS: readonly CatalogueOption[] = [
  { flag: '--verbose', type: 'boolean', description: 'show each step, option values and remote commands' },
  { flag: '--quiet', type: 'boolean', description: 'no task echo lines or progress; results and errors only' },
  { flag: '--debug', type: 'boolean', description: 'stack traces and AWS request ids on errors' },
  { flag: '--json', type: 'boolean', description: 'print the result (or the error) as JSON on stdout' },
  { flag: '--dry-run', type: 'boolean', description: 'check permissions (EC2 DryRun) or show what would be done, changing nothing' },
  { flag: '--awscred', type: 'string', placeholder: 'file', description: 'credentials and defaults file (default: ~/.awscred, then ./.awscred)' },
  { flag: '--profile', type: 'string', placeholder: 'name', description: 'AWS profile for the SDK credential chain' },
  { flag: '--region', type: 'string', placeholder: 'region', description: 'AWS region (default: AWSRegion in awscred, then AWS_REGION)' },
  { flag: '--endpoint-url', type: 'string', placeholder: 'url', description: 'send AWS requests to this endpoint (e.g. a local emulator)' },
  { flag: '--username', type: 'string', placeholder: 'user', description: 'SSH login user' },
  { flag: '--ssh-key', type: 'string', placeholder: 'file', description: 'SSH private key' },
  { flag: '--strict-host-keys', type: 'boolean', description: 'refuse hosts whose key is not in known_hosts yet' },
  { flag: '--keep-on-failure', type: 'boolean', description: 'leave what a failed run created, and list it' },
  {
    flag: '--sandbox',
    type: 'boolean',
    description: 'run against the embedded EC2 and Route53 emulator: no AWS account, no network (also ORIGIN_SETUP_SANDBOX=1)',
  },
  {
    flag: '--sandbox-dir',
    type: 'string',
    placeholder: 'dir',
    description: 'where the sandbox keeps its state (default ~/.local/state/origin-setup/sandbox); implies --sandbox',
  },
  {
    flag: '--sandbox-ssh',
    type: 'string',
    placeholder: 'host',
    description: 'a real SSH host that stands for every sandbox instance, so remote steps really run; implies --sandbox',
  },
  { flag: '--no-color', type: 'boolean', description: 'no colour, even on a terminal' },
];

/** Short forms of global options. */
export const GLOBAL_SHORT: Readonly<Record<string, string>> = { '--verbose': '-v', '--quiet': '-q' };

/** The options of a task that takes many hosts (see engine/targets.ts), by option key. */
export const FLEET_OPTIONS: readonly (CatalogueOption & { key: string })[] = [
  {
    key: 'inventory',
    flag: '--inventory',
    type: 'string',
    placeholder: 'FILE',
    description: 'inventory file for @GROUP targets (default: $ORIGIN_SETUP_INVENTORY, then ~/.config/origin-setup/inventory)',
  },
  {
    key: 'concurrency',
    flag: '--concurrency',
    type: 'number',
    placeholder: 'N',
    description: 'hosts (or --count instances) worked on at once (default 20, kept below the open-file limit)',
  },
  { key: 'failFast', flag: '--fail-fast', type: 'boolean', description: 'start no further host (or instance) once one has failed' },
  { key: 'maxHosts', flag: '--max-hosts', type: 'number', placeholder: 'N', description: 'refuse more hosts than this in one command (default 1000)' },
  { key: 'internal', flag: '--internal', type: 'boolean', description: 'tag:KEY=VALUE targets: connect to private DNS names instead of public ones' },
];

/** The fan-out options a task gets: all for many hosts, concurrency and fail-fast for --count. */
export function fleetOptionsOf(task: Pick<AnyTask, 'args' | 'options' | 'fanOut'>): (CatalogueOption & { key: string })[] {
  const own = (o: { key: string }) => !(o.key in task.options);
  if (task.args[0]?.target === true) return FLEET_OPTIONS.filter(own);
  if (task.fanOut) return FLEET_OPTIONS.filter((o) => (o.key === 'concurrency' || o.key === 'failFast') && own(o));
  return [];
}

/** `ec2:instance:create --name=NAME --image=IMAGE [options]`, as Thor printed it. */
export function usageLine(task: AnyTask): string {
  const words: string[] = [task.name];
  for (const a of task.args) {
    const n = upper(a.name) + (a.variadic ? '...' : '');
    words.push(a.optional ? `[${n}]` : n);
  }
  for (const [key, spec] of Object.entries(task.options)) {
    if (spec.required) words.push(`--${flagName(key)}=${spec.placeholder ?? upper(key)}`);
  }
  if (Object.values(task.options).some((o) => !o.required) || fleetOptionsOf(task).length > 0) words.push('[options]');
  return words.join(' ');
}

export function catalogueOf(tasks: readonly AnyTask[]): CatalogueTask[] {
  return tasks.map((t) => ({
    name: t.name,
    summary: t.summary,
    usage: usageLine(t),
    args: t.args.map((a) => ({
      name: a.name,
      description: a.description,
      ...(a.optional ? { optional: true as const } : {}),
      ...(a.variadic ? { variadic: true as const } : {}),
      ...(a.target ? { hosts: true as const } : {}),
    })),
    options: [
      ...Object.entries(t.options).map(([key, o]) => ({
        flag: `--${flagName(key)}`,
        type: o.type,
        description: o.description,
        ...(o.placeholder ? { placeholder: o.placeholder } : {}),
        ...(o.default !== undefined ? { default: o.default } : {}),
        ...(o.choices ? { choices: o.choices } : {}),
        ...(o.required ? { required: true as const } : {}),
        ...(o.type === 'boolean' && o.default === true ? { negatable: true as const } : {}),
      })),
      ...fleetOptionsOf(t).map(({ key: _key, ...o }) => o),
    ],
    aliases: [...(t.aliases ?? [])],
    ...(t.example ? { example: t.example } : {}),
  }));
}
