// Reading and changing puppet.conf. From 3.5 on Puppet edits its own file
// (`puppet config set --section S KEY VALUE`); 2.7 to 3.4 have no such command, so there the
// value goes through augtool, quoted by the remote augeas service.
import { UsageError } from '../engine/errors.js';
import { augeasSet } from '../remote/augeas.js';
import { cmd, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import type { PuppetFlavor } from './generation.js';

/** Sections of puppet.conf we read or write. */
export const SECTIONS = ['main', 'master', 'server', 'agent', 'user'] as const;
export type Section = (typeof SECTIONS)[number];

/** A puppet setting name: lower case words joined by _. */
export const settingName = (v: string) => (/^[a-z][a-z0-9_]*$/.test(v) ? undefined : 'not a Puppet setting name (such as server or ca_server)');

export interface Setting {
  section: Section;
  key: string;
  value: string;
}

export function setCommand(flavor: PuppetFlavor, s: Setting): ShellCommand {
  return cmd(flavor.bin.puppet, 'config', 'set', '--section', s.section, s.key, s.value);
}

/** The augeas path of a setting in this flavor's puppet.conf. */
export function augeasPathOf(flavor: PuppetFlavor, s: Pick<Setting, 'section' | 'key'>): string {
  return `/files${flavor.config}/${s.section}/${s.key}`;
}

/** Writes settings into puppet.conf in order; each is idempotent. */
export async function setPuppetSettings(host: RemoteHost, flavor: PuppetFlavor, settings: readonly Setting[]): Promise<void> {
  for (const s of settings) {
    const bad = settingName(s.key);
    if (bad) throw new UsageError(`${s.key}: ${bad}`);
    if (flavor.confEdit === 'config-set') await host.run(setCommand(flavor, s), { sudo: true });
    else await augeasSet(host, augeasPathOf(flavor, s), s.value);
  }
}

/**
 * `puppet config print [KEY] [--section S]`, as root: run as another user Puppet reads
 * that user's own ~/.puppet configuration instead of the system's. Before 3.5 there is no
 * --section (and 2.7 has no `config print`): the application of that section prints its
 * view with --configprint.
 */
export function printCommand(flavor: PuppetFlavor, key?: string, section?: Section): ShellCommand {
  if (flavor.confEdit === 'augeas') {
    const app = section === 'master' || section === 'server' ? 'master' : 'agent';
    return cmd(flavor.bin.puppet, app, '--configprint', key ?? 'all');
  }
  return cmd(flavor.bin.puppet, 'config', 'print', key ? [key] : [], section ? ['--section', section] : []);
}

/**
 * Reads `puppet config print` output: `key = value` per line. With a single key Puppet
 * prints only the value, so a lone line without ` = ` is that key's value.
 */
export function parseConfigPrint(lines: readonly string[], key?: string): Record<string, string> {
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  if (key && nonEmpty.length <= 1 && !/^[a-z0-9_]+ = /.test(nonEmpty[0] ?? '')) {
    return nonEmpty.length ? { [key]: nonEmpty[0]!.trim() } : {};
  }
  const settings: Record<string, string> = {};
  for (const line of nonEmpty) {
    const m = /^([a-z0-9_]+) = ?(.*)$/.exec(line.trim());
    if (m) settings[m[1]!] = m[2]!;
  }
  return settings;
}

export async function printPuppetSettings(host: RemoteHost, flavor: PuppetFlavor, key?: string, section?: Section): Promise<Record<string, string>> {
  const r = await host.run(printCommand(flavor, key, section), { sudo: true, readOnly: true });
  return parseConfigPrint(r.stdout, key);
}
