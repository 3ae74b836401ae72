// Turns positional words and option values into a task's validated arguments. Both the
// command line and ctx.invoke go through here, so a sub-task gets exactly the checks and
// defaults a user would.
import { UsageError } from './errors.js';
import { flagName, type AnyTask, type OptionSpec } from './task.js';

/** An option's value once bound: what its spec's type says, or undefined when not given. */
export type BoundValue = string | number | boolean | string[] | undefined;

export interface Bound {
  args: Record<string, unknown>;
  options: Record<string, BoundValue>;
  /** The positional words as given, for the echo line. */
  words: string[];
}

export function bind(task: AnyTask, words: readonly string[], given: Record<string, unknown>): Bound {
  const args: Record<string, unknown> = {};
  const rest = [...words];
  for (const spec of task.args) {
    if (spec.variadic) {
      if (rest.length === 0 && !spec.optional) throw new UsageError(`missing argument ${upper(spec.name)}`);
      rest.forEach((v) => check(spec.name, v, spec.validate));
      args[spec.name] = rest.splice(0);
      continue;
    }
    const value = rest.shift();
    if (value === undefined) {
      if (!spec.optional) throw new UsageError(`missing argument ${upper(spec.name)}`);
      continue;
    }
    check(spec.name, value, spec.validate);
    args[spec.name] = value;
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument${rest.length > 1 ? 's' : ''}: ${rest.join(' ')}`);

  const known = new Set(Object.keys(task.options));
  for (const key of Object.keys(given)) {
    if (!known.has(key) && given[key] !== undefined) throw new UsageError(`${task.name} has no option --${flagName(key)}`);
  }
  const options: Record<string, BoundValue> = {};
  for (const [key, spec] of Object.entries(task.options)) {
    const value = coerce(key, spec, given[key] ?? spec.default);
    if (value === undefined && spec.required) throw new UsageError(`missing required option --${flagName(key)}`);
    options[key] = value;
  }
  return { args, options, words: [...words] };
}

function coerce(key: string, spec: OptionSpec, value: unknown): BoundValue {
  const flag = `--${flagName(key)}`;
  // A sensitive value is registered with the redactor only once bound: its errors never quote it.
  const not = (v: unknown) => (spec.sensitive ? '' : `, not ${shown(v)}`);
  if (spec.type === 'boolean') return Boolean(value);
  if (value === undefined) return undefined;
  const checked = <V>(out: V, values: readonly unknown[], validate: ((v: V) => string | undefined) | undefined): V => {
    for (const v of values) {
      if (spec.choices && !spec.choices.includes(String(v))) {
        throw new UsageError(`${flag} must be one of ${spec.choices.join(', ')}${not(v)}`);
      }
    }
    const problem = validate?.(out);
    if (problem) throw new UsageError(`${flag}: ${spec.sensitive ? hide(problem, values) : problem}`);
    return out;
  };
  switch (spec.type) {
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`${flag} wants a number${not(value)}`);
      return checked(n, [n], spec.validate);
    }
    case 'list': {
      const list = (Array.isArray(value) ? value : [value]).map(String);
      return checked(list, list, spec.validate);
    }
    default: {
      const s = text(value);
      return checked(s, [s], spec.validate);
    }
  }
}

/**
 * An option's value as text. The command line gives text already and invoke's types ask
 * for it; only a value a test passes directly (a number) needs spelling.
 */
function text(value: unknown): string {
  return String(value);
}

function hide(message: string, values: readonly unknown[]): string {
  let out = message;
  for (const v of values) if (String(v) !== '') out = out.split(String(v)).join('****');
  return out;
}

function check(name: string, value: string, validate?: (v: string) => string | undefined): void {
  const problem = validate?.(value);
  if (problem) throw new UsageError(`${upper(name)} ${shown(value)}: ${problem}`);
}

/** A value inside an error message: quoted, with control characters escaped so the error stays one line. */
export function shown(value: unknown): string {
  const s = String(value);
  return hasControl(s) ? JSON.stringify(s) : `'${s}'`;
}

/** Whether text has a C0 control character or DEL, which would break the error's one line. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function upper(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** A stable key for "the same arguments": option keys sorted, values as given after defaults. */
export function canonicalKey(name: string, bound: Bound): string {
  const opts = Object.keys(bound.options)
    .sort()
    .map((k) => [k, bound.options[k]]);
  return `${name} ${JSON.stringify([bound.args, opts])}`;
}
