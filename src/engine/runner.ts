// One Runner per process run. It holds the resolved settings, the output sink, the
// invoke memo, the journal of created resources and the SSH pool, and it is the only
// way one task calls another.
import { asRollback, GuardedAwsClients } from '../aws/interrupt-guard.js';
import type { Settings } from '../config/settings.js';
import type { SshPool } from '../ssh/pool.js';
import type { RemoteHost } from '../ssh/types.js';
import { bind, canonicalKey, type Bound } from './bind.js';
import type { TaskContext } from './context.js';
import { InterruptedError, UsageError } from './errors.js';
import { askYesNo, type Prompter } from './prompt.js';
import { Journal } from './journal.js';
import type { Output } from './output.js';
import { flagName, type AnyTask } from './task.js';

export type TaskLookup = (name: string) => AnyTask | undefined;

export class Runner {
  readonly journal = new Journal();
  readonly aws: GuardedAwsClients;
  /**
   * Aborted by Ctrl-C (bin/) or when the run fails: from then on no task starts, no
   * changing AWS request goes out (except the rollback's), and every wait ends.
   */
  readonly abort = new AbortController();
  private readonly invoked = new Map<string, Promise<unknown>>();
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly loginUsers = new Map<string, string>();
  private pool?: Promise<SshPool>;

  constructor(
    private readonly lookup: TaskLookup,
    readonly settings: Settings,
    readonly out: Output,
    private readonly prompter?: Prompter,
  ) {
    this.aws = new GuardedAwsClients(settings, out.redactor, () => this.abort.signal.aborted, out.progress());
  }

  /**
   * What a run stopped right now would leave behind: the journal, and changing AWS
   * requests still under way (they may have created something not recorded yet).
   */
  leftBehind(): string[] {
    const underWay = this.aws.underWay();
    return [...this.journal.describe(), ...underWay.map((name) => `whatever the ${name} request still under way makes`)];
  }

  /** Runs the task the user typed. */
  async run(task: AnyTask, words: readonly string[], options: Record<string, unknown>): Promise<unknown> {
    return this.execute(0, task, bind(task, words, options));
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
      await this.rollBack();
      throw err;
    }
  }

  private async rollBack(): Promise<void> {
    const made = this.journal.describe();
    if (made.length === 0) return;
    if (this.settings.flags.keepOnFailure) {
      this.out.warn(`--keep-on-failure: left in place: ${made.join(', ')}`);
      return;
    }
    this.out.err(`- rolling back what this run created: ${made.join(', ')}`);
    const { removed, failed } = await asRollback(() => this.journal.rollback());
    if (removed.length) this.out.err(`- removed ${removed.join(', ')}`);
    if (failed.length) this.out.error(`could not remove ${failed.join(', ')}: remove by hand`);
  }

  async invoke(depth: number, name: string, words: readonly string[], options: Record<string, unknown>): Promise<unknown> {
    const task = this.lookup(name);
    if (!task) throw new UsageError(`unknown task ${name}`);
    const bound = bind(task, words, options);
    const key = canonicalKey(task.name, bound);
    const earlier = this.invoked.get(key);
    if (earlier) {
      this.out.verbose(depth, `${task.name} ${bound.words.join(' ')}: already run, reusing its result`);
      return earlier;
    }
    const pending = this.execute(depth, task, bound);
    this.invoked.set(key, pending);
    return pending;
  }

  private async execute(depth: number, task: AnyTask, bound: Bound): Promise<unknown> {
    // Once the run is stopping, nothing new starts: not even its echo line.
    if (this.abort.signal.aborted) throw new InterruptedError();
    for (const [key, spec] of Object.entries(task.options)) {
      if (spec.sensitive && typeof bound.options[key] === 'string') this.out.redactor.add(bound.options[key]);
    }
    this.out.echo(depth, this.echoText(task, bound));
    const started = Date.now();
    const result = await task.run(this.context(depth, task), bound.args, bound.options);
    this.out.verbose(depth + 1, `${task.name} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return result;
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

  private context(depth: number, task: AnyTask): TaskContext {
    const out = this.out;
    const inner = depth + 1;
    return {
      task: task.name,
      depth,
      settings: this.settings,
      dryRun: this.settings.flags.dryRun,
      signal: this.abort.signal,
      aws: this.aws,
      journal: this.journal,
      log: {
        verbose: (t) => out.verbose(inner, t),
        info: (t) => out.info(inner, t),
        warn: (t) => out.warn(t),
        debug: (t) => out.debug(t),
      },
      invoke: <R>(name: string, args: readonly string[] = [], options: Record<string, unknown> = {}) =>
        this.invoke(inner, name, args, options) as Promise<R>,
      ssh: (host: string) => this.ssh(host, inner),
      loginUser: (host: string, user: string) => {
        if (!this.loginUsers.has(host)) this.loginUsers.set(host, user);
      },
      confirm: (question: string) => askYesNo(this.prompter, question),
      redact: (secret: string) => out.redactor.add(secret),
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

  private async ssh(host: string, depth: number): Promise<RemoteHost> {
    this.pool ??= (async () => {
      const { SshPool } = await import('../ssh/pool.js');
      const flags = this.settings.flags;
      const cred = this.settings.awscred();
      return new SshPool({
          username: flags.username,
          sshKey: flags.sshKey,
          strictHostKeys: flags.strictHostKeys,
          configRemoteUser: cred?.remoteUser,
          userFor: (host) => this.loginUsers.get(host),
          keyPairName: cred?.keyPairName,
          home: this.settings.home,
          env: this.settings.env,
          dryRun: flags.dryRun,
          timeScale: this.settings.timeScale,
          connectTimeoutSeconds: 15,
          signal: this.abort.signal,
      });
    })();
    return (await this.pool).host(host, {
      verbose: (t) => this.out.verbose(depth, t),
      debug: (t) => this.out.debug(t),
      info: (t) => this.out.info(depth, t),
    });
  }

  /** Closes SSH connections so the process can exit promptly. */
  async close(): Promise<void> {
    if (this.pool) await (await this.pool).close();
  }
}
