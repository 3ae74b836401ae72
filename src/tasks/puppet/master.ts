// puppet:master:* — turn a host into the Puppet master of the seed's layout.
import { OriginError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostname } from '../../engine/validate.js';
import { localSecretPath, obtainSecret, secretShape, setupAutosign } from '../../puppet/autosign.js';
import { setPuppetSettings } from '../../puppet/conf.js';
import type { TaskContext } from '../../engine/context.js';
import { puppetOn, reportedPuppet } from '../../puppet/generation.js';
import { enableLogging } from '../../puppet/logging.js';
import {
  DEFAULT_SITEROOT,
  joinGroupCommand,
  layoutDirsCommand,
  masterSettings,
  siteLayout,
  type SiteLayout,
  siterootCommands,
  STORECONFIGS_DEFAULTS,
  storeconfigsSettings,
} from '../../puppet/master.js';
import { accountName } from '../../remote/validate.js';
import { absolutePath, hostArg, puppetHintOptions, remotePathOption } from './common.js';

export const masterConfigureTask = defineTask({
  name: 'puppet:master:configure',
  summary: 'point the master at the site: modules in SITEROOT/modules, manifest SITEROOT/manifests/site.pp',
  args: [hostArg],
  options: {
    server: { type: 'string', description: 'the server name agents use (main/server)', placeholder: 'FQDN', validate: hostname },
    siteroot: { ...remotePathOption('the site directory'), default: DEFAULT_SITEROOT, validate: absolutePath },
    moduledir: { ...remotePathOption('custom modules (default SITEROOT/modules)', 'DIR'), validate: absolutePath },
    manifest: { ...remotePathOption('the main manifest (default SITEROOT/manifests/site.pp)', 'FILE'), validate: absolutePath },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:master:configure puppet.example.org --server puppet.example.org',
  async run(ctx, { host }, { server, siteroot, moduledir, manifest, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const layout = siteLayout(siteroot, { moduledir, manifest });
    const remote = await ctx.ssh(host);
    const settings = masterSettings(flavor, layout, server);
    await setPuppetSettings(remote, flavor, settings);
    await remote.run(layoutDirsCommand(layout, flavor), { sudo: true });
    const effective = await effectiveSettings(ctx, host, layout);
    return { host, config: flavor.config, ...layout, settings, ...(effective ? { effective } : {}) };
  },
  render: () => undefined,
});

/**
 * What Puppet now reads for production, asked of Puppet itself: a manifest that is not
 * the site's (an environment.conf of its own, say) would leave the site ignored.
 */
async function effectiveSettings(ctx: TaskContext, host: string, layout: SiteLayout) {
  if (ctx.dryRun) return undefined;
  const now = await reportedPuppet(ctx, host, { fresh: true });
  if (!now) return undefined;
  const effective = { manifest: now.paths.manifest, basemodulepath: now.paths.basemodulepath };
  ctx.log.verbose(`${host}: Puppet reads manifest ${effective.manifest}, modules from ${effective.basemodulepath}`);
  if (effective.manifest !== layout.manifest) {
    ctx.log.warn(`${host}: Puppet reads the production manifest from ${effective.manifest}, not ${layout.manifest}`);
  }
  return effective;
}

export const masterSiterootTask = defineTask({
  name: 'puppet:master:siteroot',
  summary: 'create the group-writable site directory (group puppet, setgid) and link it as ~/site',
  args: [hostArg, { name: 'path', description: `the site directory (default ${DEFAULT_SITEROOT})`, optional: true, validate: absolutePath }],
  options: {},
  example: 'origin-setup puppet:master:siteroot puppet.example.org /var/lib/puppet/site',
  async run(ctx, { host, path = DEFAULT_SITEROOT }) {
    const remote = await ctx.ssh(host);
    const commands = siterootCommands(path, remote.user, remote.isRoot);
    for (const c of commands.asRoot) await remote.run(c, { sudo: true });
    for (const c of commands.asUser) await remote.run(c);
    return { host, path, link: '~/site' };
  },
  render: () => undefined,
});

export const masterJoinGroupTask = defineTask({
  name: 'puppet:master:join_group',
  summary: 'add the login user to the puppet group (other members stay)',
  args: [hostArg],
  options: {
    user: { type: 'string', description: 'add this user instead of the login user', placeholder: 'USER', validate: accountName },
  },
  example: 'origin-setup puppet:master:join_group puppet.example.org',
  async run(ctx, { host }, { user }) {
    const remote = await ctx.ssh(host);
    const who = user ?? remote.user;
    await remote.run(joinGroupCommand(who), { sudo: true });
    if (who === remote.user && !remote.isRoot && !ctx.dryRun && remote.relogin) {
      // A group applies from a new login only, and the steps after this one need it now:
      // Debian's /var/lib/puppet (the site root's parent) is 0750 puppet:puppet.
      await remote.relogin();
      ctx.log.verbose(`${who} is in group puppet; logged in again so the run has the group`);
    } else ctx.log.verbose(`${who} is in group puppet from its next login`);
    return { host, user: who, group: 'puppet' };
  },
  render: () => undefined,
});

export const masterEnableLoggingTask = defineTask({
  name: 'puppet:master:enable_logging',
  summary: 'log the Puppet master to /var/log/puppet-master.log (rsyslog rule, then restart rsyslog)',
  args: [hostArg],
  options: {},
  example: 'origin-setup puppet:master:enable_logging puppet.example.org',
  run: (ctx, { host }) => enableLogging(ctx, host, 'master'),
  render: () => undefined,
});

export const masterAutosignTask = defineTask({
  name: 'puppet:master:autosign',
  summary: 'sign agents automatically when their request carries a shared secret (prints where the secret is kept)',
  args: [hostArg],
  options: {
    secret: {
      type: 'string',
      description: 'the shared secret (default: a new random one, kept in a local 0600 file); never printed',
      placeholder: 'SECRET',
      sensitive: true,
      validate: secretShape,
    },
    secretFile: { type: 'string', description: 'a local file holding the secret (default ~/.origin-setup/autosign/HOST.secret)', placeholder: 'FILE' },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:master:autosign puppet.example.org',
  async run(ctx, { host }, { secret, secretFile, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const shared = obtainSecret({ secret, secretFile, defaultFile: localSecretPath(ctx.settings.home, host), create: true, dryRun: ctx.dryRun });
    if (shared.created) ctx.log.info(`new autosign secret kept in ${shared.file}`);
    const result = await setupAutosign(await ctx.ssh(host), flavor, shared);
    ctx.log.info(`restart ${flavor.masterService} on ${host} for the autosign setting to take effect`);
    return result;
  },
  render: (r) => r.localSecretFile ?? r.secretFile,
});

export const masterStoredconfigsTask = defineTask({
  name: 'puppet:master:storedconfigs',
  summary: 'turn on ActiveRecord storeconfigs (Puppet 2.7/3.x only; later Puppet uses PuppetDB)',
  args: [hostArg],
  options: {
    dbadapter: {
      type: 'string',
      description: 'the ActiveRecord adapter',
      default: STORECONFIGS_DEFAULTS.dbadapter,
      choices: ['sqlite3', 'mysql', 'postgresql'],
    },
    dblocation: { ...remotePathOption('the sqlite3 database file', 'FILE'), default: STORECONFIGS_DEFAULTS.dblocation, validate: absolutePath },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:master:storedconfigs puppet.example.org',
  async run(ctx, { host }, { dbadapter, dblocation, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    if (!flavor.storeconfigs) {
      throw new OriginError(`${host}: ${flavor.label} has no ActiveRecord storeconfigs (removed in Puppet 4)`, {
        hint: 'use PuppetDB: install it and set storeconfigs = true and storeconfigs_backend = puppetdb in the server section',
      });
    }
    const settings = storeconfigsSettings({ dbadapter, dblocation });
    await setPuppetSettings(await ctx.ssh(host), flavor, settings);
    return { host, settings };
  },
  render: () => undefined,
});

export const masterTasks: SomeTask[] = [
  masterConfigureTask,
  masterSiterootTask,
  masterJoinGroupTask,
  masterEnableLoggingTask,
  masterAutosignTask,
  masterStoredconfigsTask,
];
