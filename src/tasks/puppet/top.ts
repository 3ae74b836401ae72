// puppet:apply, puppet:version, puppet:config, puppet:repo.
import { NotFoundError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { SECTIONS, printPuppetSettings, settingName } from '../../puppet/conf.js';
import { puppetOn } from '../../puppet/generation.js';
import { addPuppetRepo } from '../../puppet/repo.js';
import { sourceSetting } from '../../puppet/sources.js';
import { runPuppet } from '../../puppet/run.js';
import { remotePath } from '../../remote/validate.js';
import { cmd } from '../../ssh/quote.js';
import { hostArg, puppetHintOptions, remotePathOption, sourceOption } from './common.js';

export const applyTask = defineTask({
  name: 'puppet:apply',
  summary: 'apply a manifest on a host with puppet apply (exit 0 also when it changed something)',
  args: [hostArg, { name: 'manifest', description: 'the manifest file on the host', validate: remotePath }],
  options: {
    modulepath: remotePathOption('where modules are found (colon-separated)', 'DIRS'),
    noop: { type: 'boolean', description: 'only show what would change' },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:apply broker.example.org site/manifests/site.pp --modulepath site/modules',
  async run(ctx, { host, manifest }, { modulepath, noop, puppet, source }) {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const command = cmd(
      flavor.bin.puppet,
      'apply',
      '--verbose',
      '--detailed-exitcodes',
      noop ? ['--noop'] : [],
      modulepath ? ['--modulepath', modulepath] : [],
      manifest,
    );
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
    return {
      host,
      version: flavor.version!,
      major: flavor.major,
      source: flavor.source,
      puppet: flavor.bin.puppet,
      ca: flavor.ca,
      ...flavor.paths,
    };
  },
  render: (r) => r.version,
});

export const configTask = defineTask({
  name: 'puppet:config',
  summary: 'print the Puppet settings of a host (key = value), or just the value of one',
  args: [hostArg, { name: 'key', description: 'one setting, e.g. server or certname', optional: true, validate: settingName }],
  options: {
    section: { type: 'string', description: 'the puppet.conf section to read as', choices: SECTIONS, placeholder: 'SECTION' },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:config broker.example.org server --section agent',
  // One key gives its value (a string, what a composed task wants); no key gives them all.
  async run(ctx, { host, key }, { section, puppet, source }): Promise<string | Record<string, string>> {
    const flavor = await puppetOn(ctx, host, { puppet, source });
    const settings = await printPuppetSettings(await ctx.ssh(host), flavor, key, section);
    if (key === undefined) return settings;
    const value = settings[key];
    if (value === undefined)
      throw new NotFoundError(`${host}: Puppet printed no value for ${key}`, { hint: `see every setting: origin-setup puppet:config ${host}` });
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
  summary: "add the OpenVox or Puppet Core repository that fits the host's distribution (OpenVox 8 unless --source/--puppet say)",
  args: [hostArg],
  options: {
    source: {
      ...sourceOption,
      description: 'openvox, puppetcore (needs a Forge key), or distribution (nothing to add); default PuppetSource in the config, else openvox',
    },
    puppet: { type: 'string', description: 'the Puppet major', choices: ['7', '8'], default: '8', placeholder: '7|8' },
  },
  example: 'origin-setup puppet:repo broker.example.org --source openvox --puppet 8',
  run: (ctx, { host }, { source, puppet }) => addPuppetRepo(ctx, host, { source: sourceSetting(ctx.settings, source) ?? 'openvox', major: Number(puppet) }),
  render: (r) => (r.kind === 'release-package' ? r.url : undefined),
});

export const topTasks: SomeTask[] = [applyTask, versionTask, configTask, repoTask];
