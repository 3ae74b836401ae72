// puppet:module:install — modules from the Forge, into the generation's module path.
import { defineTask, type SomeTask } from '../../engine/task.js';
import { installModules, moduleName, moduleVersion } from '../../puppet/modules.js';
import { hostArg, puppetHintOptions, remotePathOption } from './common.js';

export const moduleInstallTask = defineTask({
  name: 'puppet:module:install',
  summary: 'install Forge modules (author-name) on a host, as root; already installed is fine',
  args: [hostArg, { name: 'modules', description: 'modules as author-name, e.g. puppetlabs-ntp', variadic: true, validate: moduleName }],
  options: {
    version: { type: 'string', description: 'the version to install (one module only)', placeholder: 'VERSION', validate: moduleVersion },
    modulepath: remotePathOption('install into this directory instead of the default module path', 'DIR'),
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:module:install puppet.example.org puppetlabs-ntp puppetlabs-stdlib',
  run: (ctx, { host, modules }, o) => installModules(ctx, host, modules, o),
  render: (r) => r.map((m) => `${m.module} ${m.action}`).join('\n') || undefined,
});

export const moduleTasks: SomeTask[] = [moduleInstallTask];
