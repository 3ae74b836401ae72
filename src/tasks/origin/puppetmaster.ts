// origin:puppetmaster — turn a host into the Puppet master, following the seed: wait for
// SSH, the baseline with the master packages, the site repository cloned into the site
// root, the master configured and logging, standard modules, port 8140 open, and the
// master service started and enabled. Puppet 3 (puppetmaster) or 7/8 (puppetserver), from
// the distribution, OpenVox or Puppet Core (src/puppet/sources.ts decides).
import { defineTask, type SomeTask } from '../../engine/task.js';
import { positive } from '../../engine/validate.js';
import { GENERATION_CHOICES, preparePuppetHost } from '../../origin/puppet-flow.js';
import { SOURCES } from '../../puppet/sources.js';
import { hostArg } from '../../remote/args.js';
import { gitUrl, remotePath } from '../../remote/validate.js';
import { prepareOptions } from './prepare.js';
import { posix } from 'node:path';
import { masterAutosignTask, masterConfigureTask, masterEnableLoggingTask, masterJoinGroupTask, masterSiterootTask } from '../puppet/master.js';
import { gitCloneTask, gitSubmoduleUpdateTask } from '../remote/git.js';
import { moduleInstallTask } from '../puppet/module.js';
import { firewallPort, firewallService } from '../remote/firewall.js';
import { serviceEnable, serviceStart } from '../remote/service.js';

/** puppet module names: author-name or author/name. */
const moduleName = (v: string) => (/^[A-Za-z0-9_]+[-/][a-z][a-z0-9_]*$/.test(v) ? undefined : 'not a module name such as puppetlabs-ntp');
const moduleList = (l: string[]) => l.map(moduleName).find(Boolean);
const absolutePath = (v: string) => remotePath(v) ?? (v.startsWith('/') && v !== '/' ? undefined : 'an absolute directory path');

export interface PuppetmasterResult {
  host: string;
  puppet: string;
  service: string;
  siteroot: string;
  siterepo?: string;
  modules: string[];
}

export const puppetmasterTask = defineTask({
  name: 'origin:puppetmaster',
  summary: 'make a host the Puppet master: packages, site repository, configuration, logging, modules, firewall, service',
  args: [hostArg],
  options: {
    siterepo: { type: 'string', description: 'git URL of the site repository (manifests/ and modules/ at the top)', placeholder: 'URL', validate: gitUrl },
    siteroot: {
      type: 'string',
      description: 'where the site repository lives on the master',
      default: '/var/lib/puppet/site',
      placeholder: 'DIR',
      validate: absolutePath,
    },
    modules: { type: 'list', description: 'modules to install from the Forge', default: ['puppetlabs-ntp'], placeholder: 'MODULE', validate: moduleList },
    autosign: {
      type: 'boolean',
      description: 'sign agents whose request carries the shared secret (puppet:master:autosign; agents use origin:puppetclient --autosign)',
    },
    forge: { type: 'boolean', description: 'install the --modules from the Forge (--no-forge: none, e.g. on a host without internet)', default: true },
    source: {
      type: 'string',
      description: "where Puppet comes from (default: PuppetSource in the config, else the distribution's packages when they carry a server, else OpenVox)",
      choices: SOURCES,
      placeholder: 'distribution|openvox|puppetcore',
    },
    puppet: {
      type: 'string',
      description: 'Puppet major to install (default: what the source offers; OpenVox 8)',
      choices: GENERATION_CHOICES,
      placeholder: '3|7|8',
    },
    ...prepareOptions,
    timeout: { type: 'number', description: 'seconds to wait for SSH', default: 300, placeholder: 'SECONDS', validate: positive },
  },
  example: 'origin-setup origin:puppetmaster puppet.infra.example.org --siterepo https://github.com/markllama/origin-puppet.git',
  async run(ctx, { host }, o): Promise<PuppetmasterResult> {
    const { flavor, generation } = await preparePuppetHost(ctx, host, o, { role: 'master' });

    await ctx.invoke(masterJoinGroupTask, [host]);
    await ctx.invoke(masterSiterootTask, [host, o.siteroot]);
    if (o.siterepo) {
      await ctx.invoke(gitCloneTask, [host, o.siterepo], { destdir: posix.dirname(o.siteroot), destname: posix.basename(o.siteroot) });
      await ctx.invoke(gitSubmoduleUpdateTask, [host, o.siteroot], { init: true, recursive: true });
    }
    // With --hostname the master's own agent (and any reading main/server) uses that name.
    // From 6 on `puppetserver ca` reaches the CA over HTTPS at `server`, whose default
    // (`puppet`) rarely resolves: the master names itself, by its certificate's name.
    const server = o.hostname ?? (flavor.ca === 'puppetserver-ca' ? flavor.certname : undefined);
    await ctx.invoke(masterConfigureTask, [host], { siteroot: o.siteroot, server, ...generation });
    // Before the service starts: the server reads the autosign setting when it starts.
    if (o.autosign) await ctx.invoke(masterAutosignTask, [host], generation);
    await ctx.invoke(masterEnableLoggingTask, [host]);
    if (o.forge && o.modules.length) await ctx.invoke(moduleInstallTask, [host, ...o.modules], generation);

    // The master needs ssh and 8140. origin:prepare already allowed ssh (invoke runs that
    // once per run, so asking again costs nothing) and turned the firewall on.
    await ctx.invoke(firewallService, [host, 'ssh']);
    await ctx.invoke(firewallPort, [host, '8140/tcp']);
    await ctx.invoke(serviceStart, [host, flavor.masterService]);
    await ctx.invoke(serviceEnable, [host, flavor.masterService]);
    return {
      host,
      puppet: flavor.label,
      service: flavor.masterService,
      siteroot: o.siteroot,
      ...(o.siterepo ? { siterepo: o.siterepo } : {}),
      modules: o.forge ? o.modules : [],
    };
  },
  render: (r) => `${r.host} ${r.service}`,
});

export const puppetmasterTasks: SomeTask[] = [puppetmasterTask];
