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

export type OptionType = OptionSpec['type'];

interface OptionCommon {
  readonly description: string;
  readonly required?: true;
  /** Value placeholder shown in help, e.g. FILE. */
  readonly placeholder?: string;
  /** A secret (a password, a shared key): its value is redacted from everything printed. */
  readonly sensitive?: true;
}

/**
 * An option spec, discriminated by `type` so that `validate` receives the value as the
 * task will (a number for `number`, a list for `list`), and `choices` can narrow it.
 * Each validate returns an error message for a bad value; checked before anything runs (exit 2).
 */
export interface StringOption extends OptionCommon {
  readonly type: 'string';
  readonly default?: string;
  /** The only values allowed; the task sees the value as the union of these strings. */
  readonly choices?: readonly string[];
  readonly validate?: (value: string) => string | undefined;
}

export interface NumberOption extends OptionCommon {
  readonly type: 'number';
  readonly default?: number;
  /** Never set: spelled so that `spec.choices` reads on any option. */
  readonly choices?: never;
  readonly validate?: (value: number) => string | undefined;
}

export interface BooleanOption extends OptionCommon {
  readonly type: 'boolean';
  readonly default?: boolean;
  readonly choices?: never;
}

export interface ListOption extends OptionCommon {
  readonly type: 'list';
  readonly default?: readonly string[];
  /** The only values allowed for each item. */
  readonly choices?: readonly string[];
  readonly validate?: (value: string[]) => string | undefined;
}

export type OptionSpec = StringOption | NumberOption | BooleanOption | ListOption;

type ArgValue<S extends ArgSpec> = S extends { variadic: true } ? string[] : S extends { optional: true } ? string | undefined : string;

export type ArgValues<A extends readonly ArgSpec[]> = {
  [S in A[number] as S['name']]: ArgValue<S>;
};

/** The strings an option allows: its choices when it has them. */
type Allowed<S> = S extends { readonly choices: readonly (infer C extends string)[] } ? C : string;

type OptionValue<S extends OptionSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'number' }
    ? number
    : S extends { type: 'list' }
      ? Allowed<S>[]
      : Allowed<S>;

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { default: unknown } | { required: true }
      ? OptionValue<O[K]>
      : OptionValue<O[K]> | undefined;
};

/**
 * What a caller of ctx.invoke may pass for a task's options: each one optional (left out
 * or undefined, it takes its default, as on the command line), lists read-only.
 */
export type OptionInput<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: (OptionValue<O[K]> extends (infer E)[] ? readonly E[] : OptionValue<O[K]>) | undefined;
};

export interface TaskDef<A extends readonly ArgSpec[] = readonly ArgSpec[], O extends Record<string, OptionSpec> = Record<string, OptionSpec>, R = unknown> {
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

/**
 * Any typed task, whatever its arguments, options and result (its run and render are
 * methods, so a task with narrower ones still fits).
 */
export type SomeTask = TaskDef<readonly ArgSpec[], Record<string, OptionSpec>, unknown>;

/** The options a task takes, as ctx.invoke passes them. */
export type OptionsOf<T extends SomeTask> = OptionInput<T['options']>;

/**
 * The positional words a task takes, as a tuple: one string per argument, an optional
 * one may be left out, a variadic one takes any number (bind() still insists on one
 * where it is required, as on the command line). Specs that are not a tuple give
 * plain strings.
 */
export type Words<A extends readonly ArgSpec[]> = number extends A['length'] ? readonly string[] : WordTuple<A>;

type WordTuple<A extends readonly ArgSpec[]> = A extends readonly [infer H extends ArgSpec, ...infer T extends readonly ArgSpec[]]
  ? H extends { variadic: true }
    ? readonly string[]
    : H extends { optional: true }
      ? readonly [string?, ...WordTuple<T>]
      : readonly [string, ...WordTuple<T>]
  : readonly [];

/** The positional words of a task, as ctx.invoke passes them. */
export type WordsOf<T extends SomeTask> = Words<T['args']>;

/** ctx.invoke's words and options: the words may be left out only when none is required. */
export type InvokeRest<T extends SomeTask> =
  readonly [] extends WordsOf<T> ? [args?: WordsOf<T>, options?: OptionsOf<T>] : [args: WordsOf<T>, options?: OptionsOf<T>];

/** What a task's run resolves to. */
export type ResultOf<T extends SomeTask> = Awaited<ReturnType<T['run']>>;

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

/**
 * Checks a task definition and keeps its types: its run function sees its arguments
 * and options as their specs say, and ctx.invoke infers them from the returned object.
 */
export function defineTask<const A extends readonly ArgSpec[], const O extends Record<string, OptionSpec>, R>(def: TaskDef<A, O, R>): TaskDef<A, O, R> {
  return def;
}

/**
 * The one place a typed task becomes an AnyTask: the registry and the runner handle
 * every task alike, and bind() checks arguments and options against the specs before
 * run sees them, which is what makes the erased view safe.
 */
export function erase(task: SomeTask): AnyTask {
  return task;
}

/** CLI spelling of an option key: `sshKey` → `ssh-key`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
