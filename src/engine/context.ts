// What a task's run function receives. It is the only handle a task has on the world:
// settings, AWS clients, SSH hosts, the journal, logging and invoke.
import type { AwsClients } from '../aws/clients.js';
import type { Settings } from '../config/settings.js';
import type { RemoteHost } from '../ssh/types.js';
import type { Journal } from './journal.js';
import type { LiveStatus } from './live.js';
import type { InvokeRest, ResultOf, SomeTask } from './task.js';

export interface TaskLog {
  /** Shown with --verbose. */
  verbose(text: string): void;
  /** Shown unless --quiet. */
  info(text: string): void;
  warn(text: string): void;
  debug(text: string): void;
}

export interface TaskContext {
  /** This task's full name. */
  readonly task: string;
  /** 0 for the task the user typed, 1 for what it invokes, and so on. */
  readonly depth: number;
  readonly settings: Settings;
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  readonly aws: AwsClients;
  readonly journal: Journal;
  readonly log: TaskLog;
  /**
   * Runs another task, at most once per run for the same name and canonical
   * arguments; a repeat returns the first result. The task is its definition (not its
   * name), so its words, options and result are typed from it; bind() still checks the
   * values, as on the command line. Use an imported task only inside a function, never
   * at a module's top level: task and flow modules import each other, and at load time
   * the other one may not be evaluated yet.
   */
  invoke<T extends SomeTask>(task: T, ...rest: InvokeRest<T>): Promise<ResultOf<T>>;
  /**
   * Names the login user for a host this run is about to reach (unless --username or
   * ssh_config already decide it). It must be said before the first ssh() to that host.
   */
  loginUser(host: string, user: string): void;
  /** The pooled, verified SSH connection to a host (opened on first use). */
  ssh(host: string): Promise<RemoteHost>;
  /**
   * Asks a yes/no question on the terminal. Refuses (UsageError) when stdin is not a
   * TTY, so a script never hangs on a prompt: such tasks offer --force instead.
   */
  confirm(question: string): Promise<boolean>;
  /** Keeps a secret out of everything printed from now on (a key read from the config). */
  redact(secret: string): void;
  /**
   * Per-run memo for facts worth learning once (e.g. a host's distribution); `renew`
   * computes again and keeps the new answer (after the run changed that fact).
   */
  memo<T>(key: string, compute: () => Promise<T>, o?: { renew?: boolean }): Promise<T>;
  /**
   * Runs `work` when no other work of the same key is under way in this run: one change
   * at a time to something many hosts share (a master's CA when agents enrol together).
   */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
  /**
   * A live line at a terminal for a wait of more than about 2 s: what is awaited, its
   * phase and the time so far (nothing when piped, --quiet or --json). End it when done.
   */
  live(what: string): LiveStatus;
}
