// The entry point: argv in, exit code out. Every error becomes a one-line message and an
// exit code here and nowhere else.
import { homedir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { primeSecrets } from './config/awscred.js';
import { registerEnvSecrets, Settings, wantsSandbox, type GlobalFlags } from './config/settings.js';
import { GLOBAL_VALUE_OPTIONS, normalizeArgv } from './engine/argv.js';
import { bind, upper } from './engine/bind.js';
import { errorEnvelope, errorLine, stackOf } from './engine/error-line.js';
import { DryRunStop, EXIT, UsageError } from './engine/errors.js';
import { catalogueOf, type CatalogueTask } from './engine/catalogue.js';
import { completionAnswer, completionScript } from './engine/completion.js';
import { BIN, suggest, usageLine } from './engine/help.js';
import { listText } from './engine/list-command.js';
import { terminalWidthOf } from './engine/terminal.js';
import { Output, Redactor, wantsColor } from './engine/output.js';
import { expandTargets, type TargetHost } from './engine/expand.js';
import { checkConcurrency, checkMaxHosts, concurrencyFor, openFileLimit, type FleetFlags, type FleetUnit } from './engine/fleet.js';
import { buildProgram, FLEET_VALUE_OPTIONS, takesManyHosts } from './engine/program.js';
import { isTargetExpression } from './engine/targets.js';
import { allTasks, findTask } from './tasks/index.js';
import type { FleetRun, Runner } from './engine/runner.js';
import { describeAwsFailure, newRunner } from './compose.js';
import { flagName, type AnyTask } from './engine/task.js';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** For yes/no questions; without a TTY here, tasks that would ask demand --force. */
  stdin?: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Lets the caller (bin/) route Ctrl-C to the running task. */
  onRunner?: (runner: Runner) => void;
}

/** The words that are not tasks. */
const COMMANDS = new Set(['help', 'list', 'completion']);

export async function main(argvIn: readonly string[], io: Io): Promise<number> {
  if (argvIn[0] === '__complete') {
    io.stdout.write(completionAnswer(catalogue(), argvIn));
    return EXIT.ok;
  }
  const { argv, commandIndex } = normalizeArgv(argvIn, findTask);
  const word = commandIndex >= 0 ? argv[commandIndex] : undefined;
  const helpTarget = word === 'help' ? argv[commandIndex + 1] : undefined;
  const task = word ? findTask(helpTarget ?? word) : undefined;
  // Secrets are registered before anything can be printed: the environment's now, the
  // awscred file's when the settings read it (before the first echo line), or, for an
  // error found before that, in report().
  const redactor = new Redactor();
  registerEnvSecrets(io.env, redactor);
  const home = io.env.HOME || homedir();
  let settings: Settings | undefined;
  const wantsDebug = argv.includes('--debug');
  let output: Output | undefined;
  const outputFor = (flags: GlobalFlags) =>
    (output ??= new Output(
      io.stdout,
      io.stderr,
      {
        verbose: flags.verbose,
        quiet: flags.quiet,
        debug: flags.debug,
        json: flags.json,
        color: wantsColor(io.stderr, io.env, flags.color),
        sandbox: sandboxRun(flags, io.env, task),
      },
      redactor,
    ));
  const fallback = () => output ?? new Output(io.stdout, io.stderr, { verbose: false, quiet: false, debug: wantsDebug, json: false, color: false }, redactor);

  let runner: Runner | undefined;
  // A many-host run reports each host itself and ends with the code of the whole.
  let exitCode: number = EXIT.ok;
  const program = buildProgram(
    task,
    {
      list(namespace, all, flags) {
        outputFor(flags);
        io.stdout.write(
          `${listText(catalogue(), { namespace, all, json: flags.json, width: terminalWidthOf(io.stdout as Writable & { isTTY?: boolean; columns?: number }) })}\n`,
        );
      },
      completion(shell) {
        io.stdout.write(completionScript(shell));
      },
      async run(t, words, options, flags, fleet) {
        const out = outputFor(flags);
        const concurrency = checkConcurrency(fleet.concurrency);
        const maxHosts = checkMaxHosts(fleet.maxHosts);
        settings = new Settings(flags, io.env, io.cwd, home, redactor);
        // The emulator (and everything behind it) is loaded only for a sandbox run.
        const sandbox = sandboxRun(flags, io.env, t)
          ? await (await import('./sandbox/binding.js')).openSandbox(settings, home, { endpoint: !t.name.startsWith('sandbox:') })
          : undefined;
        runner = newRunner(findTask, settings, out, io.stdin ? { input: io.stdin, output: io.stderr, redact: (t) => redactor.redact(t) } : undefined);
        io.onRunner?.(runner);
        try {
          if (!sandbox) warnLooseCredentials(settings, out);
          const fleetRun = (expression: string, units: FleetUnit[]): FleetRun => ({
            expression,
            units,
            concurrency: concurrencyFor(concurrency, openFileLimit(), (w) => out.warn(w)),
            failFast: fleet.failFast,
          });
          if (takesManyHosts(t) && words[0] !== undefined && isTargetExpression(words[0])) {
            const hosts = await targetHosts(words[0], runner, { ...fleet, maxHosts }, home, io.env);
            const units = hosts.map((h) => ({ label: h.label, words: [h.host ?? h.label, ...words.slice(1)], options: {}, problem: h.problem }));
            exitCode = await runner.runFleet(t, fleetRun(words.join(' '), units), options);
            return;
          }
          if (t.fanOut) {
            const bound = bind(t, words, options);
            const split = t.fanOut(bound.args, bound.options);
            if (split) {
              exitCode = await runner.runFleet(t, fleetRun(split.expression, split.units), options);
              return;
            }
          }
          const result = await runner.runOrRollBack(t, words, options);
          out.result(result, t.render?.bind(t));
        } finally {
          await runner.close();
          await sandbox?.close();
        }
      },
    },
    { writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) },
  );

  try {
    refuseNonUtf8(argv, word !== undefined && COMMANDS.has(word) ? undefined : task);
    if (word === 'help' && helpTarget) {
      if (!task) throw unknownTask(helpTarget);
      program.commands.find((c) => c.name() === task.name)!.outputHelp();
      return EXIT.ok;
    }
    if (word && !COMMANDS.has(word) && !task) throw unknownTask(word);
    if (word === undefined && !argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a))) {
      io.stderr.write(program.helpInformation());
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    // A task run that failed before its settings were read (commander's usage errors):
    // the file's secrets are registered now, so the error line cannot show one. `list`
    // and `help` never read the file.
    if (task && word !== 'help' && !settings) primeSecrets(awscredFlag(argv), io.cwd, home, (s) => redactor.add(s));
    return report(err, fallback(), task, output?.flags.json ?? wantsJson(argv));
  }
}

/**
 * Node decodes argv as UTF-8 and puts U+FFFD where the bytes were not: such a word is
 * refused (exit 2), naming the argument or option, before anything uses it, so an altered
 * value is never sent, stored or printed. Its value is not shown.
 */
function refuseNonUtf8(argv: readonly string[], task: AnyTask | undefined): void {
  const bad = (w: string | undefined) => w !== undefined && w.includes('\uFFFD');
  const refuse = (what: string) => {
    throw new UsageError(`${what} is not valid UTF-8 text (the shell passed bytes that are not UTF-8); it was not used`, {
      hint: 'pass it as UTF-8: check LANG / LC_ALL, and the encoding of the file it came from',
    });
  };
  if (!argv.some(bad)) return;
  const takesValue = new Map<string, 'one' | 'list'>([...GLOBAL_VALUE_OPTIONS, ...FLEET_VALUE_OPTIONS].map((f) => [f, 'one']));
  for (const [key, spec] of Object.entries(task?.options ?? {})) {
    if (spec.type !== 'boolean') takesValue.set(`--${flagName(key)}`, spec.type === 'list' ? 'list' : 'one');
  }
  const positional = (i: number) => {
    const spec = task?.args[Math.min(i, task.args.length - 1)];
    return spec && (i < task.args.length || spec.variadic) ? upper(spec.name) : `argument ${i + 1}`;
  };
  let words = -1; // the command word is -1, the task's first argument 0
  let onlyWords = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!onlyWords && a === '--') {
      onlyWords = true;
      continue;
    }
    if (!onlyWords && a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (bad(name)) refuse(`option ${i + 1} on the command line (its name)`);
      if (eq >= 0) {
        if (bad(a.slice(eq + 1))) refuse(`the value of ${name}`);
        continue;
      }
      const kind = takesValue.get(name);
      if (kind === undefined) continue;
      do {
        if (bad(argv[i + 1])) refuse(`the value of ${name}`);
        i++;
      } while (kind === 'list' && i + 1 < argv.length && !argv[i + 1]!.startsWith('-'));
      continue;
    }
    if (bad(a)) refuse(words < 0 ? 'the task name' : positional(words));
    words++;
  }
}

/** The hosts a target expression names; EC2 (and the SDK) is loaded only for tag: terms. */
function targetHosts(
  expression: string,
  runner: Runner,
  fleet: FleetFlags & { maxHosts: number },
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<TargetHost[]> {
  return expandTargets(expression, {
    inventoryFlag: fleet.inventory,
    env,
    home,
    internal: fleet.internal,
    maxHosts: fleet.maxHosts,
    async tagged(key, value, internal) {
      const { hostsTagged } = await import('./aws/tagged-hosts.js');
      return hostsTagged(runner.aws, key, value, internal);
    },
  });
}

let built: CatalogueTask[] | undefined;
/** The registry as data (the build writes the same to dist/catalogue.json). */
export function catalogue(): CatalogueTask[] {
  return (built ??= catalogueOf(allTasks));
}

/** A sandbox run: --sandbox and its companions, ORIGIN_SETUP_SANDBOX=1, or a sandbox:* task. */
function sandboxRun(flags: GlobalFlags, env: NodeJS.ProcessEnv, task: AnyTask | undefined): boolean {
  return wantsSandbox(flags, env) || (task?.name.startsWith('sandbox:') ?? false);
}

/** --json on the command line, for an error found before the options were parsed. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** The last --awscred value on the command line (commander keeps the last one). */
function awscredFlag(argv: readonly string[]): string | undefined {
  let flag: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    if (argv[i] === '--awscred') flag = argv[++i];
    else if (argv[i]!.startsWith('--awscred=')) flag = argv[i]!.slice('--awscred='.length);
  }
  return flag;
}

function unknownTask(word: string): UsageError {
  const near = suggest(catalogue(), word);
  return new UsageError(`unknown task '${word}'`, {
    hint: near.length ? `did you mean ${near.join(', ')}?` : `${BIN} list shows the tasks`,
  });
}

function warnLooseCredentials(settings: Settings, out: Output): void {
  // Reading the file here (not at startup) keeps list and help free of it. A file that
  // cannot be used (unreadable, not text, not INI) fails the run here, exit 2, before
  // the task starts; unknown keys are one warning.
  const cred = settings.awscred();
  for (const w of cred?.warnings ?? []) out.warn(w);
  if (cred?.looseMode && cred.secretAccessKey) {
    out.warn(`${cred.path} is readable by others (mode ${cred.looseMode}); run: chmod 600 ${cred.path}`);
  }
}

async function report(err: unknown, out: Output, task: AnyTask | undefined, json: boolean): Promise<number> {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT.ok;
    const message = err.message.replace(/^error:\s*/, '');
    out.error(message);
    if (task) out.err(`usage: ${BIN} ${usageLine(task)}`);
    if (json) out.json(errorEnvelope({ message, text: message, code: 'usage', exitCode: EXIT.usage }));
    return EXIT.usage;
  }
  if (err instanceof DryRunStop) {
    out.err(`dry run: ${err.message}`);
    return EXIT.ok;
  }
  const line = await errorLine(err, describeAwsFailure);
  out.error(line.message);
  if (err instanceof UsageError && task) out.err(`usage: ${BIN} ${usageLine(task)}`);
  if (out.flags.debug) {
    if (line.requestId) out.debug(`AWS request id ${line.requestId}`);
    const stack = stackOf(err);
    if (stack) out.debug(stack);
  }
  if (json) out.json(errorEnvelope(line));
  return line.exitCode;
}
