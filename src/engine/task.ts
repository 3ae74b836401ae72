// The declarative shape of a task. Task files hold only this: metadata plus a run
// function that delegates to services. Everything here is type-level or tiny, so the
// registry can load every task definition without loading the AWS SDK or ssh2.
import type { TaskContext } from './context.js';
import type { FleetUnit } from './fleet.js';

/** A run split into units that run like the hosts of a many-host run (`--count N`). */
export interface FanOut {
  /** The opening line's words: `web --count 5`. */
  expression: string;
  units: FleetUnit[];
}

export interface ArgSpec {
  readonly name: string;
  readonly description: string;
  /** An optional positional may be left out; a variadic one takes the rest (one or more unless optional). */
  readonly optional?: true;
  readonly variadic?: true;
  /** Returns an error message for a bad value; checked before anything runs (exit 2). */
  readonly validate?: (value: string) => string | undefined;
  /**
   * The host a task works on, where a target expression (a list, an inventory @group,
   * tag:KEY=VALUE) runs the task once per host. Only a task's first argument.
   */
  readonly target?: true;
}

export type OptionType = 'string' | 'boolean' | 'number' | 'list';

export interface OptionSpec {
  readonly type: OptionType;
  readonly description: string;
  readonly default?: string | boolean | number | readonly string[];
  readonly required?: true;
  readonly choices?: readonly string[];
  /** Value placeholder shown in help, e.g. FILE. */
  readonly placeholder?: string;
  readonly validate?: (value: never) => string | undefined;
  /** A secret (a password, a shared key): its value is redacted from everything printed. */
  readonly sensitive?: true;
}

type ArgValue<S extends ArgSpec> = S extends { variadic: true }
  ? string[]
  : S extends { optional: true }
    ? string | undefined
    : string;

export type ArgValues<A extends readonly ArgSpec[]> = {
  [S in A[number] as S['name']]: ArgValue<S>;
};

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'number'
    ? number
    : S['type'] extends 'list'
      ? string[]
      : string;

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { default: unknown } | { required: true }
      ? OptionValue<O[K]>
      : OptionValue<O[K]> | undefined;
};

export interface TaskDef<
  A extends readonly ArgSpec[] = readonly ArgSpec[],
  O extends Record<string, OptionSpec> = Record<string, OptionSpec>,
  R = unknown,
> {
  /** Full namespaced name, e.g. `ec2:instance:create`. */
  readonly name: string;
  readonly summary: string;
  readonly args: A;
  readonly options: O;
  /** A command line a user can paste, shown by `help`. */
  readonly example?: string;
  /** Other full names that run this task (e.g. the original's `remote:get_hostname`). */
  readonly aliases?: readonly string[];
  run(ctx: TaskContext, args: ArgValues<A>, opts: OptionValues<O>): Promise<R>;
  /** The bare, script-friendly stdout form of the result; undefined prints nothing. */
  render?(result: R): string | undefined;
  /**
   * Splits one command into several runs of this task (checked arguments in), each in
   * a scope of its own as for many hosts; undefined runs it once, as usual.
   */
  fanOut?(args: ArgValues<A>, opts: OptionValues<O>): FanOut | undefined;
}

/** A task with its generic parameters erased, as the registry and runner see it. */
export interface AnyTask {
  readonly name: string;
  readonly summary: string;
  readonly args: readonly ArgSpec[];
  readonly options: Record<string, OptionSpec>;
  readonly example?: string;
  readonly aliases?: readonly string[];
  run(ctx: TaskContext, args: Record<string, unknown>, opts: Record<string, unknown>): Promise<unknown>;
  render?(result: unknown): string | undefined;
  fanOut?(args: Record<string, unknown>, opts: Record<string, unknown>): FanOut | undefined;
}

export function defineTask<
  const A extends readonly ArgSpec[],
  const O extends Record<string, OptionSpec>,
  R,
>(def: TaskDef<A, O, R>): AnyTask {
  return def as unknown as AnyTask;
}

/** CLI spelling of an option key: `sshKey` → `ssh-key`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
