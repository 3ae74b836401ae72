// Forge modules. `puppet module install` writes into the system module path, which
// root owns in every generation, so it runs as root.
import type { TaskContext } from '../engine/context.js';
import { RemoteCommandError, UsageError } from '../engine/errors.js';
import { cmd } from '../ssh/quote.js';
import { outputTail } from '../ssh/exec.js';
import { puppetOn } from './generation.js';

/** A Forge module name: author-name (or author/name). */
export const moduleName = (v: string) => (/^[a-z0-9]+[-/][a-z][a-z0-9_]*$/i.test(v) ? undefined : 'not a module name such as puppetlabs-ntp (author-name)');

/** A version or version range as the Forge takes it: 9.0.1, ">=4.0.0 <5.0.0". */
export const moduleVersion = (v: string) => (/^[0-9A-Za-z.<>=~^ *x-]+$/.test(v) ? undefined : 'not a module version such as 9.0.1');

export interface ModuleInstall {
  module: string;
  action: 'installed' | 'already installed';
}

export async function installModules(
  ctx: TaskContext,
  hostName: string,
  modules: readonly string[],
  o: { version?: string; modulepath?: string; puppet?: string; source?: string },
): Promise<ModuleInstall[]> {
  if (o.version !== undefined && modules.length !== 1) throw new UsageError('--version applies to one module at a time');
  const flavor = await puppetOn(ctx, hostName, o);
  const host = await ctx.ssh(hostName);
  const done: ModuleInstall[] = [];
  for (const module of modules) {
    const command = cmd(
      flavor.bin.puppet,
      'module',
      'install',
      module,
      o.version !== undefined ? ['--version', o.version] : [],
      o.modulepath !== undefined ? ['--modulepath', o.modulepath] : [],
    );
    const r = await host.run(command, { sudo: true, allowExit: 'any' });
    if (r.code === 0) {
      done.push({ module, action: 'installed' });
    } else if ([...r.stdout, ...r.stderr].some((l) => /is already installed/.test(l))) {
      // Puppet refuses to install over an installed module; for us that is success.
      ctx.log.info(`${module} is already installed on ${hostName}`);
      done.push({ module, action: 'already installed' });
    } else {
      throw new RemoteCommandError(hostName, command.text, r.code, outputTail(r), {
        hint: 'is the Forge (forgeapi.puppet.com) reachable from the host, and the module name right?',
      });
    }
  }
  return done;
}
