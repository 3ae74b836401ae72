// origin:puppetclient — enrol a host as an agent of MASTER and see its certificate
// signed: wait for SSH, the baseline with the agent packages, the agent pointed at its
// master (and CA), logging, the agent service on, then on the CA the host's own request
// (waited for, never signed blindly) signed and confirmed.
import { OriginError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { positive } from '../../engine/validate.js';
import { GENERATION_CHOICES, preparePuppetHost, requireSigned } from '../../origin/puppet-flow.js';
import { SOURCES } from '../../puppet/sources.js';
import { agentServiceFor } from '../../puppet/generation.js';
import { hostArg, sshHost } from '../../remote/args.js';
import { prepareOptions } from './prepare.js';
import { agentCsrAttributesTask, agentEnableLoggingTask, agentSetServerTask } from '../puppet/agent.js';
import { serviceEnable, serviceStart } from '../remote/service.js';
import { configTask } from '../puppet/top.js';
import { certListTask, certSignTask } from '../puppet/cert.js';

export interface PuppetclientResult {
  host: string;
  master: string;
  ca: string;
  certname: string;
  puppet: string;
  service: string;
  /** signed now, already-signed (a repeated run), or dry-run. */
  action: string;
  fingerprint?: string;
}

export const puppetclientTask = defineTask({
  name: 'origin:puppetclient',
  summary: 'make a host a Puppet agent of MASTER and sign its certificate once its request arrives',
  args: [hostArg, { name: 'master', description: 'the Puppet master the agent reports to', validate: sshHost }],
  options: {
    autosign: { type: 'boolean', description: "put the CA's autosign secret into the agent's request (after origin:puppetmaster --autosign)" },
    caServer: {
      type: 'string',
      description: 'a separate CA host: the agent asks it for certificates, and signing happens there',
      placeholder: 'HOST',
      validate: sshHost,
    },
    source: {
      type: 'string',
      description:
        "where the agent's Puppet comes from (default: PuppetSource in the config, else the distribution's packages when they match the master, else OpenVox)",
      choices: SOURCES,
      placeholder: 'distribution|openvox|puppetcore',
    },
    puppet: { type: 'string', description: "Puppet major (default: the master's; never newer than it)", choices: GENERATION_CHOICES, placeholder: '3|7|8' },
    ...prepareOptions,
    timeout: { type: 'number', description: 'seconds to wait for SSH', default: 300, placeholder: 'SECONDS', validate: positive },
    signTimeout: {
      type: 'number',
      description: "seconds to wait for the agent's certificate request on the CA",
      default: 300,
      placeholder: 'SECONDS',
      validate: positive,
    },
  },
  example: 'origin-setup origin:puppetclient broker.infra.example.org puppet.infra.example.org',
  async run(ctx, { host, master }, o): Promise<PuppetclientResult> {
    const ca = o.caServer ?? master;
    const { flavor, generation, platform } = await preparePuppetHost(ctx, host, o, { role: 'agent', master });

    await ctx.invoke(agentSetServerTask, [host, master], { ...generation, ...(o.caServer ? { caServer: o.caServer } : {}) });
    // The secret must be in place before the agent's first request.
    if (o.autosign) await ctx.invoke(agentCsrAttributesTask, [host, ca], generation);
    await ctx.invoke(agentEnableLoggingTask, [host]);
    const service = agentServiceFor(flavor, platform.distro);
    await ctx.invoke(serviceEnable, [host, service]);
    await ctx.invoke(serviceStart, [host, service]);

    const base = { host, master, ca, puppet: flavor.label, service };
    if (ctx.dryRun) {
      // Nothing was installed, so there is no agent to ask for its name, and no request will come.
      ctx.log.info(`dry run: would wait for the certificate request of ${host} on ${ca}, sign it and check it`);
      return { ...base, certname: '', action: 'dry-run' };
    }

    // The name the agent asks with is the host's own idea of itself, not the name we
    // reached it by (they differ on EC2 and behind ssh aliases).
    const certname = await ctx.invoke(configTask, [host, 'certname'], generation);
    // puppet:config gives one value for one key; all of them only without a key.
    if (typeof certname !== 'string') throw new OriginError(`${host}: puppet:config certname gave no single value`);
    const signed = await ctx.invoke(certSignTask, [ca, certname], {
      wait: true,
      timeout: o.signTimeout,
    });
    const entry = requireSigned(await ctx.invoke(certListTask, [ca, certname]), certname, ca);
    return {
      ...base,
      certname,
      action: signed.action,
      fingerprint: entry.fingerprint ?? signed.fingerprint,
    };
  },
  render: (r) => `${r.certname} ${r.fingerprint ?? ''}`.trim(),
});

export const puppetclientTasks: SomeTask[] = [puppetclientTask];
