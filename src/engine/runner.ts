// One Runner per process run. It holds the resolved settings, the output sink, the
// facts memo, the SSH pool and the AWS clients, and it is the only way one task calls
// another. What one host's work owns (the invoke-once memo, the journal of created
// resources, the stop signal and the output prefix) is a Scope: a run on one host has
// one, a run on many hosts has one per host, so one host failing rolls back only its own.
import { setMaxListeners } from 'node:events';
import type { AwsClients } from '../aws/clients.js';
import type { Settings } from '../config/settings.js';
import type { RemoteHost, SshLog } from '../ssh/types.js';
import { bind, canonicalKey, type Bound } from './bind.js';
import type { TaskContext } from './context.js';
import { errorLine, stackOf, type FailureDescriber } from './error-line.js';
import { EXIT, exitCodeFor, InterruptedError, OriginError, UsageError } from './errors.js';
import { OrderedPrinter, resultLines, schedule, summaryLine, type FleetUnit, type Outcome } from './fleet.js';
import { askYesNo, type Prompter } from './prompt.js';
import { asRollback, withHostStop } from './stop-scope.js';
import { Journal } from './journal.js';
import { bareResult, type Output } from './output.js';
import { erase, flagName, type AnyTask, type InvokeRest, type ResultOf, type SomeTask } from './task.js';

/** What one host's work owns. */
interface Scope {
  readonly journal: Journal;
  readonly invoked: Map<string, Promise<unknown>>;
  readonly abort: AbortController;
  readonly out: Output;
}

export interface FleetRun {
  /** The expression as typed, for the opening line: `@brokers`, `web --count 5`. */
  expression: string;
  units: FleetUnit[];
  concurrency: number;
  failFast: boolean;
}

/** The run's AWS clients, and the changing requests still under way (for a second Ctrl-C). */
export type RunAws = AwsClients & { underWay(): string[] };

/** The run's SSH connections: one per host, opened on first use. */
export interface HostPool {
  host(name: string, log: SshLog, stop?: AbortSignal): Promise<RemoteHost>;
  close(): Promise<void>;
}

/**
 * What the runner is given to reach the world (src/compose.ts builds the real ones):
 * the engine itself loads no AWS or SSH code.
 */
export interface RunnerServices {
  /** The run's AWS clients; `closed` says when no changing request may start any more. */
  aws(closed: () => boolean): RunAws;
  /** The SSH pool, asked for on the first ssh(); it learns login users and the run's stop from the runner. */
  sshPool(run: { userFor(host: string): string | undefined; signal: AbortSignal }): Promise<HostPool>;
  /** A service's own errors in plain words. */
  describeFailure?: FailureDescriber;
}

export type TaskLookup = (name: string) => AnyTask | undefined;

export class Runner {
  readonly journal = new Journal();
  readonly aws: RunAws;
  /**
   * Aborted by Ctrl-C (bin/) or when the run fails: from then on no task starts, no
   * changing AWS request goes out (except the rollback's), and every wait ends.
   */
  readonly abort = new AbortController();
  private readonly main: Scope;
  /** The scopes of a many-host run, for leftBehind(). */
  private readonly hostScopes: Scope[] = [];
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly loginUsers = new Map<string, string>();
  private saidShowOnly = false;
  /** The last work queued per exclusive() key: the next waits for it. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private pool?: Promise<HostPool>;

  constructor(
    private readonly lookup: TaskLookup,
    readonly settings: Settings,
    readonly out: Output,
    private readonly services: RunnerServices,
    private readonly prompter?: Prompter,
  ) {
    this.aws = services.aws(() => this.abort.signal.aborted);
    this.main = { journal: this.journal, invoked: new Map(), abort: this.abort, out };
    // Every connect, command and wait under way listens to the run's stop: with many hosts
    // at once that is many more than Node's default of 10 before it warns of a leak.
    setMaxListeners(0, this.abort.signal);
    this.abort.signal.addEventListener('abort', () => {
      for (const scope of this.hostScopes) scope.abort.abort();
    });
  }

  /**
   * What a run stopped right now would leave behind: the journal, and changing AWS
   * requests still under way (they may have created something not recorded yet).
   */
  leftBehind(): string[] {
    const underWay = this.aws.underWay();
    const made = [this.main, ...this.hostScopes].flatMap((scope) => scope.journal.describe());
    return [...made, ...underWay.map((name) => `whatever the ${name} request still under way makes`)];
  }

  /** Runs the task the user typed. */
  async run(task: AnyTask, words: readonly string[], options: Record<string, unknown>): Promise<unknown> {
    return this.execute(this.main, 0, task, bind(task, words, options));
  }

  /**
   * Runs the task the user typed; when it fails, stops whatever else the run still has
   * under way (sibling waits of a parallel composed task), then removes what the run
   * created, newest first, unless --keep-on-failure.
   */
  async runOrRollBack(task: AnyTask, words: readonly string[], options: Record<string, unknown>): Promise<unknown> {
    try {
      return await this.run(task, words, options);
    } catch (err) {
      this.abort.abort();
      await this.rollBack(this.main);
      throw err;
    }
  }

  /**
   * Runs a task once per host, up to `concurrency` at once, each host in its own scope:
   * a host that fails stops its own waits and rolls back what it created, and the others
   * go on (with --fail-fast no further host starts). Every host's arguments are checked
   * before any host is touched. Prints each host's result as `HOST<TAB>line` in the
   * order given (or one JSON array), then a summary line; returns the exit code.
   */
  async runFleet(task: AnyTask, fleet: FleetRun, options: Record<string, unknown>): Promise<number> {
    // A unit known to be impossible (no address) fails on its own when its turn comes.
    const bound = fleet.units.map((u) => (u.problem ? undefined : bind(task, u.words, { ...options, ...u.options })));
    const out = this.out;
    out.echo(0, `${task.name} ${fleet.expression}`);
    // A thousand names would be one unreadable line: the first ten say what was meant.
    const named = fleet.units.slice(0, 10).map((u) => u.label);
    const more = fleet.units.length > 10 ? `, and ${fleet.units.length - 10} more` : '';
    out.info(0, `${fleet.units.length} host${fleet.units.length === 1 ? '' : 's'}: ${named.join(', ')}${more}`);
    const width = Math.max(...fleet.units.map((u) => u.label.length));
    const printer = new OrderedPrinter(fleet.units.length, (text) => out.lines(text));
    let failedOnce = false;
    const outcomes = await schedule(
      fleet.units.length,
      fleet.concurrency,
      async (i): Promise<Outcome> => {
        const unit = fleet.units[i]!;
        const scope = this.hostScope(out.forHost(unit.label, width));
        const outcome = await this.runHost(scope, task, unit, bound[i]);
        if (!outcome.ok) failedOnce = true;
        printer.finished(i, outcome.ok && !out.flags.json ? resultLines(unit.label, bareResult(outcome.result, task.render?.bind(task))) : []);
        return outcome;
      },
      () => this.abort.signal.aborted || (fleet.failFast && failedOnce),
    );
    const why = this.abort.signal.aborted ? 'not run: interrupted' : 'not run: --fail-fast after a host failed';
    const all = outcomes.map((o, i): Outcome => o ?? { host: fleet.units[i]!.label, ok: false, error: why, code: EXIT.failed, notRun: true });
    if (out.flags.json) out.json(all.map((o) => (o.ok ? { host: o.host, ok: true, result: o.result ?? null } : { host: o.host, ok: false, error: o.error })));
    out.err(summaryLine(all));
    if (this.abort.signal.aborted) return EXIT.interrupted;
    return all.every((o) => o.ok) ? EXIT.ok : EXIT.failed;
  }

  private hostScope(out: Output): Scope {
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    // Ctrl-C stops every host (one listener for all, in the constructor); one host failing stops only its own.
    if (this.abort.signal.aborted) abort.abort();
    const scope: Scope = { journal: new Journal(), invoked: new Map(), abort, out };
    this.hostScopes.push(scope);
    return scope;
  }

  private async runHost(scope: Scope, task: AnyTask, unit: FleetUnit, bound: Bound | undefined): Promise<Outcome> {
    try {
      if (unit.problem || !bound) throw new OriginError(unit.problem ?? `${unit.label}: nothing to run`);
      const result = await withHostStop(
        () => scope.abort.signal.aborted,
        () => this.execute(scope, 0, task, bound),
      );
      return { host: unit.label, ok: true, result };
    } catch (err) {
      scope.abort.abort();
      const { message, requestId } = await errorLine(err, this.services.describeFailure);
      scope.out.error(message);
      if (requestId) scope.out.debug(`AWS request id ${requestId}`);
      const stack = stackOf(err);
      if (stack) scope.out.debug(stack);
      await this.rollBack(scope);
      return { host: unit.label, ok: false, error: message, code: exitCodeFor(err) };
    }
  }

  private async rollBack(scope: Scope): Promise<void> {
    const made = scope.journal.describe();
    if (made.length === 0) return;
    if (this.settings.flags.keepOnFailure) {
      scope.out.warn(`--keep-on-failure: left in place: ${made.join(', ')}`);
      return;
    }
    scope.out.err(`- rolling back what this run created: ${made.join(', ')}`);
    const { removed, failed } = await asRollback(() => scope.journal.rollback());
    if (removed.length) scope.out.err(`- removed ${removed.join(', ')}`);
    if (failed.length) scope.out.error(`could not remove ${failed.join(', ')}: remove by hand`);
  }

  /**
   * Runs a task as if the task the user typed had invoked it (at most once per run); by
   * name for tests that drive a run from outside.
   */
  async invoke(depth: number, name: string, words: readonly string[], options: Record<string, unknown>): Promise<unknown> {
    const task = this.lookup(name);
    if (!task) throw new UsageError(`unknown task ${name}`);
    return this.invokeIn(this.main, depth, task, words, options);
  }

  private async invokeIn(scope: Scope, depth: number, task: AnyTask, words: readonly string[], options: Record<string, unknown>): Promise<unknown> {
    const bound = bind(task, words, options);
    const key = canonicalKey(task.name, bound);
    const earlier = scope.invoked.get(key);
    if (earlier) {
      scope.out.verbose(depth, `${task.name} ${bound.words.join(' ')}: already run, reusing its result`);
      return earlier;
    }
    const pending = this.execute(scope, depth, task, bound);
    scope.invoked.set(key, pending);
    return pending;
  }

  private async execute(scope: Scope, depth: number, task: AnyTask, bound: Bound): Promise<unknown> {
    // Once the run (or this host's share of it) is stopping, nothing new starts: not even its echo line.
    if (scope.abort.signal.aborted) throw new InterruptedError();
    for (const [key, spec] of Object.entries(task.options)) {
      if (spec.sensitive && typeof bound.options[key] === 'string') this.out.redactor.add(bound.options[key]);
    }
    if (this.settings.sandbox && !this.settings.sandbox.ssh && worksOnAHost(task)) return this.showOnly(scope, depth, task, bound);
    scope.out.echo(depth, this.echoText(task, bound));
    const started = Date.now();
    const result = await task.run(this.context(scope, depth, task), bound.args, bound.options);
    scope.out.verbose(depth + 1, `${task.name} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return result;
  }

  /**
   * In the sandbox without --sandbox-ssh, a step that needs SSH is shown as it would run,
   * not run: nothing answers at sandbox addresses. Said once per run.
   */
  private showOnly(scope: Scope, depth: number, task: AnyTask, bound: Bound): undefined {
    scope.out.echo(depth, `${this.echoText(task, bound)}  (shown, not run: sandbox)`);
    if (!this.saidShowOnly) {
      this.saidShowOnly = true;
      scope.out.info(depth + 1, 'sandbox: steps that need SSH are shown, not run; --sandbox-ssh HOST runs them on a real host');
    }
    return undefined;
  }

  /** Name, positional words and required options; with --verbose every option that differs from its default. */
  private echoText(task: AnyTask, bound: Bound): string {
    const parts = [task.name, ...bound.words];
    for (const [key, value] of Object.entries(bound.options)) {
      const spec = task.options[key]!;
      if (!spec.required && !this.out.flags.verbose) continue;
      if (value === undefined || value === false || JSON.stringify(value) === JSON.stringify(spec.default)) continue;
      parts.push(value === true ? `--${flagName(key)}` : `--${flagName(key)} ${Array.isArray(value) ? value.join(' ') : String(value)}`);
    }
    return parts.join(' ');
  }

  private context(scope: Scope, depth: number, task: AnyTask): TaskContext {
    const out = scope.out;
    const inner = depth + 1;
    return {
      task: task.name,
      depth,
      settings: this.settings,
      dryRun: this.settings.flags.dryRun,
      signal: scope.abort.signal,
      aws: this.aws,
      journal: scope.journal,
      log: {
        verbose: (t) => out.verbose(inner, t),
        info: (t) => out.info(inner, t),
        warn: (t) => out.warn(t),
        debug: (t) => out.debug(t),
      },
      // bind() checks what the caller passes against the task's specs, as for the command line.
      invoke: <T extends SomeTask>(sub: T, ...[args, options]: InvokeRest<T>) =>
        this.invokeIn(scope, inner, erase(sub), args ?? [], { ...options }) as Promise<ResultOf<T>>,
      ssh: (host: string) => this.ssh(host, inner, out, scope.abort.signal),
      loginUser: (host: string, user: string) => {
        if (!this.loginUsers.has(host)) this.loginUsers.set(host, user);
      },
      confirm: (question: string) => askYesNo(this.prompter, question),
      redact: (secret: string) => out.redactor.add(secret),
      live: (what: string) => out.status(what),
      exclusive: <T>(key: string, work: () => Promise<T>) => {
        const before = this.queues.get(key) ?? Promise.resolve();
        const mine = before.catch(() => undefined).then(work);
        const tail = mine.catch(() => undefined);
        this.queues.set(key, tail);
        // The last one out leaves no entry behind.
        void tail.then(() => this.queues.get(key) === tail && this.queues.delete(key));
        return mine;
      },
      memo: <T>(key: string, compute: () => Promise<T>, o: { renew?: boolean } = {}) => {
        let hit = o.renew ? undefined : this.memos.get(key);
        if (!hit) {
          hit = compute();
          this.memos.set(key, hit);
          // A failed probe may be retried later in the run.
          hit.catch(() => this.memos.delete(key));
        }
        return hit as Promise<T>;
      },
    };
  }

  private async ssh(host: string, depth: number, out: Output, stop: AbortSignal): Promise<RemoteHost> {
    if (this.settings.sandbox && !this.settings.sandbox.ssh) {
      throw new UsageError(`${host} is a sandbox host: nothing answers SSH at sandbox addresses`, {
        hint: 'pass --sandbox-ssh HOST to run the remote steps on a real host (a VM, a container, localhost)',
      });
    }
    this.pool ??= this.services.sshPool({ userFor: (h) => this.loginUsers.get(h), signal: this.abort.signal });
    return (await this.pool).host(
      host,
      {
        verbose: (t) => out.verbose(depth, t),
        debug: (t) => out.debug(t),
        info: (t) => out.info(depth, t),
      },
      stop,
    );
  }

  /** Closes SSH connections so the process can exit promptly. */
  async close(): Promise<void> {
    if (this.pool) await (await this.pool).close();
  }
}

/** A task that logs in to a host: every remote:* and puppet:* task, and any whose first argument is a HOST. */
function worksOnAHost(task: AnyTask): boolean {
  return /^(remote|puppet):/.test(task.name) || task.args[0]?.target === true;
}
