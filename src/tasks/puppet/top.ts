// puppet:apply, puppet:version, puppet:config, puppet:repo.
import { NotFoundError } from '../../engine/errors.js';
import { defineTask, type AnyTask } from '../../engine/task.js';
import { SECTIONS, printPuppetSettings, settingName, type Section } from '../../puppet/conf.js';
import { puppetOn } from '../../puppet/generation.js';
import { addPuppetRepo } from '../../puppet/repo.js';
import { runPuppet } from '../../puppet/run.js';
import { remotePath } from '../../remote/validate.js';
import { cmd } from '../../ssh/quote.js';
import { hostArg, puppetOption, remotePathOption } from './common.js';

export const applyTask = defineTask({
  name: 'puppet:apply',
  summary: 'apply a manifest on a host with puppet apply (exit 0 also when it changed something)',
  args: [hostArg, { name: 'manifest', description: 'the manifest file on the host', validate: remotePath }],
  options: {
    modulepath: remotePathOption('where modules are found (colon-separated)', 'DIRS'),
    noop: { type: 'boolean', description: 'only show what would change' },
    puppet: puppetOption,
  },
  example: 'origin-setup puppet:apply broker.example.org site/manifests/site.pp --modulepath site/modules',
  async run(ctx, { host, manifest }, { modulepath, noop, puppet }) {
    const flavor = await puppetOn(ctx, host, puppet);
    const command = cmd(flavor.bin.puppet, 'apply', '--verbose', '--detailed-exitcodes', noop ? ['--noop'] : [], modulepath ? ['--modulepath', modulepath] : [], manifest);
    return runPuppet(await ctx.ssh(host), 'puppet apply', command);
  },
  render: (r) => r.output.join('\n') || undefined,
});

export const versionTask = defineTask({
  name: 'puppet:version',
  summary: 'print the Puppet version installed on a host',
  args: [hostArg],
  options: {},
  example: 'origin-setup puppet:version puppet.example.org',
  async run(ctx, { host }) {
    const flavor = await puppetOn(ctx, host);
    return { host, version: flavor.version!, major: flavor.major, ca: flavor.ca, config: flavor.config };
  },
  render: (r) => r.version,
});

export const configTask = defineTask({
  name: 'puppet:config',
  summary: 'print the Puppet settings of a host (key = value), or just the value of one',
  args: [hostArg, { name: 'key', description: 'one setting, e.g. server or certname', optional: true, validate: settingName }],
  options: {
    section: { type: 'string', description: 'the puppet.conf section to read as', choices: SECTIONS, placeholder: 'SECTION' },
    puppet: puppetOption,
  },
  example: 'origin-setup puppet:config broker.example.org server --section agent',
  // One key gives its value (a string, what a composed task wants); no key gives them all.
  async run(ctx, { host, key }, { section, puppet }): Promise<string | Record<string, string>> {
    const flavor = await puppetOn(ctx, host, puppet);
    const settings = await printPuppetSettings(await ctx.ssh(host), flavor, key, section as Section | undefined);
    if (key === undefined) return settings;
    const value = settings[key];
    if (value === undefined) throw new NotFoundError(`${host}: Puppet printed no value for ${key}`, { hint: `see every setting: origin-setup puppet:config ${host}` });
    return value;
  },
  render: (r) =>
    typeof r === 'string'
      ? r
      : Object.entries(r)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n') || undefined,
});

export const repoTask = defineTask({
  name: 'puppet:repo',
  summary: "add the Puppet package repository that fits the host's distribution (Puppet 8 unless --puppet says)",
  args: [hostArg],
  options: { puppet: puppetOption },
  example: 'origin-setup puppet:repo broker.example.org --puppet 8',
  run: (ctx, { host }, { puppet }) => addPuppetRepo(ctx, host, puppet),
  render: (r) => (r.kind === 'release-package' ? r.url : undefined),
});

export const topTasks: AnyTask[] = [applyTask, versionTask, configTask, repoTask];
