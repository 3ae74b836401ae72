// Argument and option specs the puppet tasks share, spelled and validated once.
import type { ArgSpec, OptionSpec } from '../../engine/task.js';
import { hostname } from '../../engine/validate.js';
import { sshHost } from '../../remote/args.js';
import { remotePath } from '../../remote/validate.js';
import { PUPPET_CHOICES } from '../../puppet/generation.js';
import { SOURCES } from '../../puppet/sources.js';

export { hostArg } from '../../remote/args.js';

export const masterArg = {
  name: 'master',
  description: 'the Puppet master / server host (name, address or ssh alias)',
  validate: sshHost,
} as const satisfies ArgSpec;

/** A certificate name as agents use it: the agent's FQDN (its `certname`). */
export const certnameArg = { name: 'certname', description: "the agent's certificate name (usually its FQDN)", validate: hostname } as const satisfies ArgSpec;

export const puppetOption = {
  type: 'string',
  description: 'the Puppet generation to plan with while the host has none (a dry run); the installed Puppet wins',
  choices: PUPPET_CHOICES,
  placeholder: 'VERSION',
} as const satisfies OptionSpec;

export const sourceOption = {
  type: 'string',
  description: 'where the packages come from: distribution, openvox or puppetcore (config key PuppetSource)',
  choices: SOURCES,
  placeholder: 'SOURCE',
} as const satisfies OptionSpec;

/** --puppet and --source: what a puppet:* task assumes while the host has no Puppet yet. */
export const puppetHintOptions = { puppet: puppetOption, source: sourceOption } as const;

export const remotePathOption = (description: string, placeholder = 'PATH') =>
  ({ type: 'string', description, placeholder, validate: remotePath }) as const satisfies OptionSpec;

/** An absolute remote path (a site root, module directory, manifest). */
export const absolutePath = (v: string) => remotePath(v) ?? (v.startsWith('/') ? undefined : 'must be an absolute path');
