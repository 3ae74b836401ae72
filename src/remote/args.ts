// Argument and option specs that many remote tasks share, so each is spelled and
// validated once.
import type { ArgSpec, OptionSpec } from '../engine/task.js';
import { remotePath } from './validate.js';

/** A host as ssh takes it: a DNS name, an address, or a Host alias from ~/.ssh/config. */
export const sshHost = (v: string) => (/^[A-Za-z0-9_][A-Za-z0-9_.:%-]*$/.test(v) ? undefined : 'not a host name, address or ~/.ssh/config alias');

/** A host that stays one host (not the task's first argument, so no fan-out). */
export const singleHostArg = { name: 'host', description: 'the host to work on (name, address or ssh alias)', validate: sshHost } as const satisfies ArgSpec;

export const hostArg = {
  name: 'host',
  description: 'the host to work on (name, address or ssh alias), or many: a,b,c  @GROUP  tag:KEY=VALUE',
  validate: sshHost,
  target: true,
} as const satisfies ArgSpec;

export const pathArg = <N extends string>(name: N, description: string) => ({ name, description, validate: remotePath }) as const satisfies ArgSpec;

export const sudoOption = {
  type: 'boolean',
  description: 'run as root (through sudo -n unless you log in as root)',
} as const satisfies OptionSpec;

export const recursiveOption = { type: 'boolean', description: 'apply to a directory and everything in it' } as const satisfies OptionSpec;
