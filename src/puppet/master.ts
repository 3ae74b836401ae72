// The master's side of the seed's layout: a group-writable site directory (manifests/
// and modules/, usually a git clone) that puppet.conf points at.
import { posix } from 'node:path';
import { cmd, sh, type ShellCommand } from '../ssh/quote.js';
import type { Setting } from './conf.js';
import type { PuppetFlavor } from './generation.js';

export const DEFAULT_SITEROOT = '/var/lib/puppet/site';

export interface SiteLayout {
  /** Custom modules: SITEROOT/modules. */
  moduledir: string;
  /** The main manifest: SITEROOT/manifests/site.pp. */
  manifest: string;
}

/** The defaults the original had swapped: modules in modules/, the manifest in manifests/. */
export function siteLayout(siteroot: string, o: Partial<SiteLayout> = {}): SiteLayout {
  return {
    moduledir: o.moduledir ?? posix.join(siteroot, 'modules'),
    manifest: o.manifest ?? posix.join(siteroot, 'manifests', 'site.pp'),
  };
}

/** A colon-separated path list with DIR taken out (so a re-run does not add it twice). */
function without(list: string, dir: string): string[] {
  return list.split(':').filter((d) => d !== '' && d !== dir);
}

/**
 * The puppet.conf settings that point the master at the site. Up to 3.x: modulepath,
 * manifestdir and manifest in [main], as the seed had, the site modules after the
 * packaging's own. From 4 on directory environments own modulepath and manifest, so the
 * site goes first in basemodulepath of the server section (the packaging's directories,
 * as Puppet reported them, stay after it) and into default_manifest, which every
 * environment without a manifest of its own falls back to. default_manifest goes to
 * [main]: Puppet resolves an environment's manifest from the default_manifest of its own
 * run mode, so in [server] only the server saw it, while `puppet config print manifest
 * --section server` (how this tool reads back what Puppet uses), puppet lookup and
 * puppet apply still reported the environment's manifests/ directory.
 */
export function masterSettings(flavor: PuppetFlavor, layout: SiteLayout, server?: string): Setting[] {
  const settings: Setting[] = server ? [{ section: 'main', key: 'server', value: server }] : [];
  const packaged = without(flavor.paths.basemodulepath, layout.moduledir);
  if (flavor.major >= 4) {
    settings.push(
      { section: flavor.serverSection, key: 'basemodulepath', value: [layout.moduledir, ...packaged].join(':') },
      { section: 'main', key: 'default_manifest', value: layout.manifest },
    );
  } else {
    settings.push(
      { section: 'main', key: 'modulepath', value: [...packaged, layout.moduledir].join(':') },
      { section: 'main', key: 'manifestdir', value: posix.dirname(layout.manifest) },
      { section: 'main', key: 'manifest', value: layout.manifest },
    );
  }
  return settings;
}

/**
 * The production environment's directory, where Puppet 4+ has environments: without
 * it Puppet knows no production environment and ignores default_manifest (Debian's
 * packages do not create it).
 */
export function productionDir(flavor: PuppetFlavor): string | undefined {
  const first = flavor.major >= 4 ? flavor.paths.environmentpath?.split(':')[0] : undefined;
  return first ? posix.join(first, 'production') : undefined;
}

/** The layout's directories and the production environment, created as root. */
export function layoutDirsCommand(layout: SiteLayout, flavor: PuppetFlavor): ShellCommand {
  const production = productionDir(flavor);
  return cmd('mkdir', '-p', layout.moduledir, posix.dirname(layout.manifest), production ? [production] : []);
}

/**
 * The site directory: owned by group puppet, group-writable and setgid so new files stay
 * in the group. A login user other than root also becomes its owner: a group joined
 * during this run only applies to new SSH logins, and this run reuses one connection, so
 * the git clone that follows would otherwise be refused.
 */
export function siterootCommands(path: string, user: string, isRoot: boolean): { asRoot: ShellCommand[]; asUser: ShellCommand[] } {
  return {
    asRoot: [cmd('mkdir', '-p', path), isRoot ? cmd('chgrp', 'puppet', path) : cmd('chown', `${user}:puppet`, path), cmd('chmod', 'g+ws', path)],
    // -n replaces an existing link instead of creating one inside the directory it points to.
    asUser: [sh`ln -sfn ${path} ~/site`],
  };
}

/** Adds the user to group puppet, keeping every other member and every other group of the user. */
export function joinGroupCommand(user: string, group = 'puppet'): ShellCommand {
  return cmd('usermod', '-a', '-G', group, user);
}

export const STORECONFIGS_DEFAULTS = { dbadapter: 'sqlite3', dblocation: '/var/lib/puppet/server_data/storeconfigs.sqlite' } as const;

/** ActiveRecord storeconfigs in [master] (the original misspelled these keys; Puppet ignored them). */
export function storeconfigsSettings(o: { dbadapter: string; dblocation: string }): Setting[] {
  return [
    { section: 'master', key: 'storeconfigs', value: 'true' },
    { section: 'master', key: 'dbadapter', value: o.dbadapter },
    { section: 'master', key: 'dblocation', value: o.dblocation },
  ];
}
