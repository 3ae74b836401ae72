// puppet:agent:* — point an agent at its master (and CA), and run it.
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostname } from '../../engine/validate.js';
import { localSecretPath, obtainSecret, writeCsrAttributes } from '../../puppet/autosign.js';
import { setPuppetSettings, type Setting } from '../../puppet/conf.js';
import { puppetOn } from '../../puppet/generation.js';
import { enableLogging } from '../../puppet/logging.js';
import { runPuppet } from '../../puppet/run.js';
import { cmd } from '../../ssh/quote.js';
import { hostArg, masterArg, puppetHintOptions } from './common.js';

export const agentSetServerTask = defineTask({
  name: 'puppet:agent:set_server',
  summary: 'point the agent at its master (server), and at a separate CA with --ca-server',
  args: [hostArg, { ...masterArg, description: 'the master name the agent connects to (as in its certificate)', validate: hostname }],
  options: {
    caServer: { type: 'string', description: 'the CA server, when it is not the master (split CA)', placeholder: 'FQDN', validate: hostname },
    section: { type: 'string', description: 'the puppet.conf section', default: 'main', choices: ['main', 'agent'] },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:agent:set_server broker.example.org puppet.example.org --ca-server puppetca.example.org',
  async run(ctx, { host, master }, { caServer, section, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const settings: Setting[] = [{ section, key: 'server', value: master }];
    if (caServer) settings.push({ section, key: 'ca_server', value: caServer });
    await setPuppetSettings(await ctx.ssh(host), flavor, settings);
    return { host, server: master, caServer, section };
  },
  render: () => undefined,
});

export const agentPluginsyncTask = defineTask({
  name: 'puppet:agent:pluginsync',
  summary: 'let the agent fetch plugins (facts, types) from the master; --no-enabled turns it off (up to Puppet 5)',
  args: [hostArg],
  options: {
    enabled: { type: 'boolean', description: 'sync plugins', default: true },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:agent:pluginsync broker.example.org',
  async run(ctx, { host }, { enabled, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    if (!flavor.pluginsyncSetting) {
      const note = `${flavor.label} always syncs plugins; there is no pluginsync setting to change`;
      if (enabled) ctx.log.info(note);
      else ctx.log.warn(`${note}, so it stays on`);
      return { host, pluginsync: true, changed: false };
    }
    await setPuppetSettings(await ctx.ssh(host), flavor, [{ section: 'main', key: 'pluginsync', value: String(enabled) }]);
    return { host, pluginsync: enabled, changed: true };
  },
  render: () => undefined,
});

export const agentEnableLoggingTask = defineTask({
  name: 'puppet:agent:enable_logging',
  summary: 'log the Puppet agent to /var/log/puppet.log (rsyslog rule, then restart rsyslog)',
  args: [hostArg],
  options: {},
  example: 'origin-setup puppet:agent:enable_logging broker.example.org',
  run: (ctx, { host }) => enableLogging(ctx, host, 'agent'),
  render: () => undefined,
});

export const agentOnetimeTask = defineTask({
  name: 'puppet:agent:onetime',
  summary: 'run the agent once in the foreground (exit 0 also when it applied changes)',
  args: [hostArg],
  options: {
    noop: { type: 'boolean', description: 'only show what would change' },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:agent:onetime broker.example.org --noop',
  async run(ctx, { host }, { noop, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const command = cmd(flavor.bin.puppet, 'agent', '--onetime', '--no-daemonize', '--verbose', '--detailed-exitcodes', noop ? ['--noop'] : []);
    return runPuppet(await ctx.ssh(host), 'puppet agent', command);
  },
  render: (r) => r.output.join('\n') || undefined,
});

export const agentCsrAttributesTask = defineTask({
  name: 'puppet:agent:csr_attributes',
  summary: "put the master's autosign secret into the agent's certificate request (csr_attributes.yaml)",
  args: [hostArg, masterArg],
  options: {
    secretFile: { type: 'string', description: 'a local file holding the secret (default ~/.origin-setup/autosign/MASTER.secret)', placeholder: 'FILE' },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:agent:csr_attributes broker.example.org puppet.example.org',
  async run(ctx, { host, master }, { secretFile, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const secret = obtainSecret({ secretFile, defaultFile: localSecretPath(ctx.settings.home, master), create: false, dryRun: ctx.dryRun });
    const path = await writeCsrAttributes(await ctx.ssh(host), flavor, secret);
    return { host, master, path };
  },
  render: (r) => r.path,
});

export const agentTasks: SomeTask[] = [agentSetServerTask, agentPluginsyncTask, agentEnableLoggingTask, agentOnetimeTask, agentCsrAttributesTask];
