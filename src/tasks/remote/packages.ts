// remote:yum:* and remote:rpm:version — packages through the host's own package manager
// (dnf, yum or apt-get). The yum names stay because the original's scripts use them;
// remote:pkg:* runs the same tasks.
import { defineTask, type SomeTask } from '../../engine/task.js';
import { platformOf } from '../../platform/index.js';
import { augeasValue } from '../../remote/augeas.js';
import { hostArg } from '../../remote/args.js';
import { excludePackages, installPackages, installedVersion, listPackages, removePackages, setPackageVariable, updatePackages } from '../../remote/packages.js';
import { oneLine, packageSpec, repoId, yumVarName } from '../../remote/validate.js';

const packagesArg = {
  name: 'packages',
  description: 'package names, or https:// URLs of package files',
  variadic: true,
  validate: packageSpec,
} as const;

export const pkgInstall = defineTask({
  name: 'remote:yum:install',
  aliases: ['remote:pkg:install'],
  summary: 'install packages on a host with its package manager',
  args: [hostArg, packagesArg],
  options: {},
  example: 'origin-setup remote:yum:install puppet.example.org puppet-server git augeas',
  async run(ctx, { host, packages }) {
    const platform = await platformOf(ctx, host);
    await installPackages(await ctx.ssh(host), platform, packages);
    return { host, manager: platform.packages.name, packages };
  },
  render: () => undefined,
});

export const pkgRemove = defineTask({
  name: 'remote:yum:remove',
  aliases: ['remote:pkg:remove'],
  summary: 'remove packages from a host',
  args: [hostArg, { ...packagesArg, validate: (v: string) => (v.includes('://') ? 'remove takes package names' : packageSpec(v)) }],
  options: {},
  example: 'origin-setup remote:yum:remove puppet.example.org mcollective',
  async run(ctx, { host, packages }) {
    const platform = await platformOf(ctx, host);
    await removePackages(await ctx.ssh(host), platform, packages);
    return { host, manager: platform.packages.name, packages };
  },
  render: () => undefined,
});

export const pkgUpdate = defineTask({
  name: 'remote:yum:update',
  aliases: ['remote:pkg:update'],
  summary: 'update every package on a host',
  args: [hostArg],
  options: {},
  example: 'origin-setup remote:yum:update ipa.example.org',
  async run(ctx, { host }) {
    const platform = await platformOf(ctx, host);
    await updatePackages(await ctx.ssh(host), platform);
    return { host, manager: platform.packages.name };
  },
  render: () => undefined,
});

export const pkgList = defineTask({
  name: 'remote:yum:list',
  aliases: ['remote:pkg:list'],
  summary: 'list installed, available or updatable packages on a host: NAME ARCH VERSION REPO per line',
  args: [hostArg],
  options: {
    filter: { type: 'string', description: 'which packages', default: 'installed', choices: ['installed', 'available', 'updates'] },
  },
  example: 'origin-setup remote:yum:list puppet.example.org --filter updates --json',
  async run(ctx, { host }, { filter }) {
    const platform = await platformOf(ctx, host);
    return listPackages(await ctx.ssh(host), platform, filter);
  },
  render: (list) => list.map((p) => `${p.name} ${p.arch} ${p.version} ${p.repo}`).join('\n'),
});

export const pkgExclude = defineTask({
  name: 'remote:yum:exclude',
  aliases: ['remote:pkg:exclude'],
  summary: "set a yum/dnf repository's exclude list (package globs it must not offer)",
  args: [
    hostArg,
    { name: 'repo', description: 'the repository id (its [section] name)', validate: repoId },
    {
      name: 'pattern',
      description: 'space-separated package globs, e.g. "mcollective* puppet-dashboard"',
      validate: (v: string) => oneLine(v) ?? augeasValue(v),
    },
  ],
  options: {},
  example: "origin-setup remote:yum:exclude puppet.example.org puppet 'mcollective*'",
  async run(ctx, { host, repo, pattern }) {
    const platform = await platformOf(ctx, host);
    const section = await excludePackages(await ctx.ssh(host), platform, repo, pattern);
    return { host, repo, pattern, section };
  },
  render: () => undefined,
});

export const pkgSetvar = defineTask({
  name: 'remote:yum:setvar',
  aliases: ['remote:pkg:setvar'],
  summary: 'set a yum/dnf variable ($NAME in repo files) on a host and print its file',
  args: [
    hostArg,
    { name: 'name', description: 'the variable name', validate: yumVarName },
    { name: 'value', description: 'its value (one line, written as data)', validate: oneLine },
  ],
  options: {},
  example: 'origin-setup remote:yum:setvar build.example.org osmajorvers 19',
  async run(ctx, { host, name, value }) {
    const platform = await platformOf(ctx, host);
    const path = await setPackageVariable(await ctx.ssh(host), platform, name, value);
    return { host, name, value, path };
  },
  render: (r) => r.path,
});

export const rpmVersion = defineTask({
  name: 'remote:rpm:version',
  aliases: ['remote:pkg:version'],
  summary: 'print the installed version of a package on a host (exit 1 when not installed)',
  args: [hostArg, { name: 'package', description: 'the package name', validate: (v: string) => (v.includes('://') ? 'not a package name' : packageSpec(v)) }],
  options: {},
  example: 'origin-setup remote:rpm:version puppet.example.org puppet',
  async run(ctx, { host, package: pkg }) {
    const platform = await platformOf(ctx, host);
    const version = await installedVersion(await ctx.ssh(host), platform, pkg);
    return { host, package: pkg, version };
  },
  render: (r) => r.version,
});

export const packagesTasks: SomeTask[] = [pkgInstall, pkgRemove, pkgUpdate, pkgList, pkgExclude, pkgSetvar, rpmVersion];
