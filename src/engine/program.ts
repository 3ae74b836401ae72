// Builds the commander program from the registry. Only the task named on the command
// line gets a commander command: building all of them would cost startup for nothing.
import { Argument, Command, Option } from 'commander';
import type { GlobalFlags } from '../config/settings.js';
import { FLEET_OPTIONS, fleetOptionsOf, GLOBAL_OPTIONS, GLOBAL_SHORT } from './catalogue.js';
import { SHELLS, type Shell } from './completion.js';
import type { FleetFlags } from './fleet.js';
import { BIN, usageLine } from './help.js';
import { flagName, type AnyTask } from './task.js';
import { version } from './version.js';

export interface ProgramHandlers {
  list(namespace: string | undefined, all: boolean, flags: GlobalFlags): void;
  completion(shell: Shell): void;
  run(task: AnyTask, words: string[], options: Record<string, unknown>, flags: GlobalFlags, fleet: FleetFlags): Promise<void>;
}

export function buildProgram(task: AnyTask | undefined, handlers: ProgramHandlers, io: { writeOut(s: string): void; writeErr(s: string): void }): Command {
  const program = new Command(BIN)
    .description('Build hosts on AWS EC2, name them in Route53 and bring them under Puppet.')
    .usage('[global options] TASK [ARGS...] [options]')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.writeOut(s), writeErr: (s) => io.writeErr(s), outputError: () => {} })
    .configureHelp({ showGlobalOptions: true, sortOptions: false })
    .helpCommand(false);
  // Only without a task: a task may have a --version of its own (puppet:module:install).
  if (!task) program.version(version(), '-V, --version', 'print the version');
  addGlobalOptions(program);
  program.addHelpText(
    'after',
    `\nTasks are named NAMESPACE:TASK (the Thor spelling \`NAMESPACE TASK\` works too).\n` +
      `  ${BIN} list              the namespaces\n` +
      `  ${BIN} list ec2          the ec2 tasks\n` +
      `  ${BIN} help TASK         one task's arguments, options and an example`,
  );

  program
    .command('list')
    .description('list tasks: the namespaces, the tasks of NAMESPACE, or --all')
    .argument('[namespace]', 'e.g. ec2, ec2:instance, remote')
    .option('--all', 'every task of every namespace')
    .action((namespace: string | undefined, opts: { all?: boolean }, cmd: Command) => handlers.list(namespace, Boolean(opts.all), globalFlags(cmd)));

  program
    .command('completion')
    .description(`print a shell completion script: eval "$(${BIN} completion bash)"`)
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action((shell: Shell) => handlers.completion(shell));

  program
    .command('help')
    .description('show the usage, arguments, options and an example of a task')
    .argument('[task]', 'a task name such as ec2:instance:create');
  // `help TASK` is answered in cli.ts by showing that task's own --help.

  if (task) addTaskCommand(program, task, handlers);
  return program;
}

function addGlobalOptions(program: Command): void {
  for (const o of GLOBAL_OPTIONS) {
    const short = GLOBAL_SHORT[o.flag];
    const names = `${short ? `${short}, ` : ''}${o.flag}${o.placeholder ? ` <${o.placeholder}>` : ''}`;
    program.option(names, o.description);
  }
}

function addTaskCommand(program: Command, task: AnyTask, handlers: ProgramHandlers): void {
  const cmd = program
    .command(task.name)
    .description(task.summary)
    .usage(usageLine(task).slice(task.name.length + 1));
  // argv.ts already maps an alias to the task's name; here aliases only show in the help.
  if (task.aliases?.length) cmd.addHelpText('after', `\nAlso runs as: ${task.aliases.join(', ')}`);
  for (const arg of task.args) {
    const name = arg.name + (arg.variadic ? '...' : '');
    cmd.argument(arg.optional ? `[${name}]` : `<${name}>`, arg.description);
  }
  for (const [key, spec] of Object.entries(task.options)) {
    const flag = `--${flagName(key)}`;
    // Commander treats `<x...>` as variadic only after a word character: drop any ellipsis here.
    const placeholder = (spec.placeholder ?? key.toUpperCase()).replace(/(\.\.\.|…)$/, '');
    if (spec.type === 'boolean') {
      if (spec.default === true) {
        cmd.addOption(new Option(flag, spec.description).default(true));
        cmd.addOption(new Option(`--no-${flagName(key)}`, `do not: ${spec.description}`));
      } else {
        cmd.addOption(new Option(flag, spec.description));
      }
      continue;
    }
    const option = new Option(
      spec.type === 'list' ? `${flag} <${placeholder}...>` : `${flag} <${placeholder}>`,
      spec.description + (spec.required ? ' (required)' : ''),
    );
    if (spec.choices) option.choices(spec.choices);
    if (spec.default !== undefined) option.default(spec.default);
    cmd.addOption(option);
  }
  for (const o of fleetOptionsOf(task)) cmd.addOption(new Option(`${o.flag}${o.placeholder ? ` <${o.placeholder}>` : ''}`, o.description));
  if (task.example) cmd.addHelpText('after', `\nExample:\n  ${task.example}`);
  cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const words = (params.slice(0, task.args.length) as (string | string[] | undefined)[]).flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
    const own = command.opts();
    const options: Record<string, unknown> = {};
    for (const key of Object.keys(task.options)) if (own[key] !== undefined) options[key] = own[key];
    await handlers.run(task, words, options, globalFlags(command), fleetFlags(command));
  });
}

/** A task whose first argument is a host can run on many (see engine/targets.ts). */
export function takesManyHosts(task: AnyTask): boolean {
  return task.args[0]?.target === true;
}

/** Fleet flags that take a value, for the argv scan that must not mistake a value for a word. */
export const FLEET_VALUE_OPTIONS = FLEET_OPTIONS.filter((o) => o.type !== 'boolean').map((o) => o.flag);

function fleetFlags(cmd: Command): FleetFlags {
  const o = cmd.opts();
  return {
    inventory: o.inventory as string | undefined,
    concurrency: o.concurrency as number | undefined,
    failFast: Boolean(o.failFast),
    maxHosts: o.maxHosts as number | undefined,
    internal: Boolean(o.internal),
  };
}

function globalFlags(cmd: Command): GlobalFlags {
  const o = cmd.optsWithGlobals<Partial<GlobalFlags>>();
  return {
    verbose: Boolean(o.verbose),
    quiet: Boolean(o.quiet),
    debug: Boolean(o.debug),
    json: Boolean(o.json),
    dryRun: Boolean(o.dryRun),
    color: o.color !== false,
    awscred: o.awscred,
    profile: o.profile,
    region: o.region,
    endpointUrl: o.endpointUrl,
    username: o.username,
    sshKey: o.sshKey,
    strictHostKeys: Boolean(o.strictHostKeys),
    keepOnFailure: Boolean(o.keepOnFailure),
    sandbox: Boolean(o.sandbox),
    sandboxDir: o.sandboxDir,
    sandboxSsh: o.sandboxSsh,
  };
}
