// Target expressions: where a task takes its HOST, a user may name many hosts at once.
//   web1                  one host, exactly as before
//   web1,web2,web3        a comma list
//   @brokers              a group of the inventory file
//   tag:Role=broker       the live EC2 instances with that tag
// and any comma-separated mix of these. Everything here is syntax and the inventory
// file; asking EC2 about a tag is the caller's (it needs the AWS clients).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UsageError } from './errors.js';

export type TargetTerm = { kind: 'host'; name: string } | { kind: 'group'; name: string } | { kind: 'tag'; key: string; value: string };

const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.:%-]*$/;
/** Ansible's rule for group names: letters, digits and underscores (dashes tolerated). */
const GROUP = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** EC2 tag keys may hold letters, digits, spaces and + - = . _ : / @; an expression keeps to those without blanks. */
const TAG_KEY = /^[A-Za-z0-9+\-.:/@_]{1,128}$/;
const TAG_VALUE = /^[A-Za-z0-9+\-=.:/@_*?]{0,256}$/;

/** True when a HOST word names more than one host in the making: a list, a group or a tag. */
export function isTargetExpression(word: string): boolean {
  return word.includes(',') || word.startsWith('@') || word.startsWith('tag:');
}

/** Splits and checks an expression; every mistake is a usage error (exit 2) before anything runs. */
export function parseTargets(expression: string): TargetTerm[] {
  const terms: TargetTerm[] = [];
  for (const raw of expression.split(',')) {
    const word = raw.trim();
    if (word === '') throw new UsageError(`target '${expression}': an empty name between commas`);
    if (word.startsWith('@')) {
      const name = word.slice(1);
      if (!GROUP.test(name)) throw new UsageError(`target '${word}': a group name is letters, digits, _ and -`);
      terms.push({ kind: 'group', name });
    } else if (word.startsWith('tag:')) {
      const body = word.slice(4);
      const eq = body.indexOf('=');
      if (eq <= 0) throw new UsageError(`target '${word}': write tag:KEY=VALUE`);
      const key = body.slice(0, eq);
      const value = body.slice(eq + 1);
      if (!TAG_KEY.test(key)) throw new UsageError(`target '${word}': '${key}' is not a tag key`);
      if (!TAG_VALUE.test(value)) throw new UsageError(`target '${word}': '${value}' is not a tag value`);
      terms.push({ kind: 'tag', key, value });
    } else {
      if (!HOST.test(word)) throw new UsageError(`target '${word}': not a host name, address or ~/.ssh/config alias`);
      terms.push({ kind: 'host', name: word });
    }
  }
  return terms;
}

/** Groups by name → their members, each either a host or `@group` (a group of groups). */
export interface Inventory {
  path: string;
  groups: Map<string, string[]>;
  /** Hosts above the first section: Ansible's "ungrouped". */
  ungrouped: string[];
}

/** --inventory, else ORIGIN_SETUP_INVENTORY, else ~/.config/origin-setup/inventory. */
export function inventoryPath(flag: string | undefined, env: NodeJS.ProcessEnv, home: string): { path: string; named: boolean } {
  if (flag) return { path: flag, named: true };
  if (env.ORIGIN_SETUP_INVENTORY) return { path: env.ORIGIN_SETUP_INVENTORY, named: true };
  return { path: join(home, '.config', 'origin-setup', 'inventory'), named: false };
}

/**
 * Reads an Ansible-style INI inventory with the `ini` package (loaded here only, when a
 * group is named). `[g]` lists hosts one per line; `[g:children]` lists groups;
 * `[g:vars]` is for other tools and skipped. A host line with variables
 * (`web1 ansible_host=10.0.0.5`) is refused: connecting to `web1` anyway would reach
 * another address than the file says.
 */
export async function readInventory(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`inventory ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      hint: 'name one with --inventory FILE or ORIGIN_SETUP_INVENTORY',
    });
  }
  const { parse } = await import('ini');
  const parsed = parse(text) as Record<string, unknown>;
  const inv: Inventory = { path, groups: new Map(), ungrouped: [] };
  const hostOf = (key: string, value: unknown, where: string): string => {
    if (value !== true) {
      throw new ConfigError(`inventory ${path}: ${where}: host variables are not read ('${key}=…')`, {
        hint: 'keep one host per line; put addresses and users in ~/.ssh/config',
      });
    }
    if (!HOST.test(key)) throw new ConfigError(`inventory ${path}: ${where}: '${key}' is not a host name`);
    return key;
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || typeof value !== 'object') {
      inv.ungrouped.push(hostOf(key, value, 'before the first [group]'));
      continue;
    }
    const [name, kind, extra] = key.split(':');
    if (kind === 'vars') continue;
    if (extra !== undefined || (kind !== undefined && kind !== 'children') || !GROUP.test(name!)) {
      throw new ConfigError(`inventory ${path}: [${key}] is not a group name (letters, digits, _ and -; no dots)`);
    }
    const members = inv.groups.get(name!) ?? [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') {
        throw new ConfigError(`inventory ${path}: [${key}.${k}] is not a group name (letters, digits, _ and -; no dots)`);
      }
      if (kind === 'children') {
        if (v !== true || !GROUP.test(k)) throw new ConfigError(`inventory ${path}: [${key}]: '${k}' is not a group name`);
        members.push(`@${k}`);
      } else {
        members.push(hostOf(k, v, `[${name}]`));
      }
    }
    inv.groups.set(name!, members);
  }
  return inv;
}

/** The hosts of a group, depth first in file order; `all` is every host when not defined. */
export function groupHosts(inv: Inventory, group: string): string[] {
  if (!inv.groups.has(group)) {
    if (group === 'all') return unique([...inv.ungrouped, ...[...inv.groups.keys()].flatMap((g) => groupHosts(inv, g))]);
    if (group === 'ungrouped') return [...inv.ungrouped];
    const known = [...inv.groups.keys()];
    throw new UsageError(`no group '${group}' in the inventory ${inv.path}`, {
      hint: known.length ? `groups: ${known.join(', ')}` : 'it has no groups',
    });
  }
  const out: string[] = [];
  const visit = (name: string, trail: string[]) => {
    if (trail.includes(name)) throw new ConfigError(`inventory ${inv.path}: groups contain each other: ${[...trail, name].join(' → ')}`);
    const members = inv.groups.get(name);
    if (!members) throw new ConfigError(`inventory ${inv.path}: [${trail[trail.length - 1]}:children] names '${name}', which is not a group`);
    for (const m of members) {
      if (m.startsWith('@')) visit(m.slice(1), [...trail, name]);
      else out.push(m);
    }
  };
  visit(group, []);
  return unique(out);
}

export function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
