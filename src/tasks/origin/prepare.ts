// origin:prepare — the baseline every origin host gets, in the seed's order: what the
// host is, its time zone and name, the packages the later steps need, a firewall that is
// on and lets SSH in, and (--ntp) time sync. Each step is a sub-task; any failure ends
// the run.
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostname } from '../../engine/validate.js';
import { preparePackages, timeSyncFor } from '../../origin/prepare-plan.js';
import { platformOf } from '../../platform/index.js';
import { zoneName } from '../../platform/system.js';
import { hostArg } from '../../remote/args.js';
import { packageSpec } from '../../remote/validate.js';
import { archTask, availableTask, distributionTask, hostnameTask, timezoneTask } from '../remote/top.js';
import { pkgInstall } from '../remote/packages.js';
import { firewallEnable, firewallService, firewallStart } from '../remote/firewall.js';
import { serviceEnable, serviceStart } from '../remote/service.js';

const eachPackage = (list: string[]) => list.map(packageSpec).find(Boolean);

/** Options origin:puppetmaster, origin:puppetclient and origin:buildhost pass through. */
export const prepareOptions = {
  timezone: { type: 'string', description: 'time zone to set (a name under /usr/share/zoneinfo)', default: 'UTC', placeholder: 'ZONE', validate: zoneName },
  hostname: { type: 'string', description: "set the host's own name (default: leave it, just show it)", placeholder: 'FQDN', validate: hostname },
  ntp: { type: 'boolean', description: 'install, enable and start time sync (chrony, or ntpd on SysV hosts)' },
} as const;

export interface PrepareResult {
  host: string;
  distribution: string;
  arch: string;
  timezone: string;
  hostname: string;
  packages: string[];
  firewall: string;
  timesync?: string;
}

export const prepareTask = defineTask({
  name: 'origin:prepare',
  summary: 'baseline a host: distribution, arch, time zone, host name, packages, firewall with ssh open, optional time sync',
  args: [hostArg],
  options: {
    ...prepareOptions,
    packages: { type: 'list', description: 'more packages to install with the baseline', default: [], placeholder: 'PKG', validate: eachPackage },
  },
  example: 'origin-setup origin:prepare broker.example.org --hostname broker.example.org --ntp',
  async run(ctx, { host }, o): Promise<PrepareResult> {
    await ctx.invoke(distributionTask, [host]);
    const arch = await ctx.invoke(archTask, [host]);
    const platform = await platformOf(ctx, host);
    ctx.log.info(`${host}: ${platform.label} ${arch}`);
    const timezone = await ctx.invoke(timezoneTask, [host, o.timezone]);
    const name = await ctx.invoke(hostnameTask, o.hostname ? [host, o.hostname] : [host]);

    const timeSync = o.ntp ? timeSyncFor(platform) : undefined;
    const packages = preparePackages(platform, o.packages, timeSync);
    await ctx.invoke(pkgInstall, [host, ...packages]);

    // ssh is allowed before the firewall comes on, so starting it cannot lock us out; a
    // new connection afterwards proves it. Only new connections are in doubt (the key and
    // the login did not change), so sshd's greeting is proof enough: no second login.
    await ctx.invoke(firewallService, [host, 'ssh']);
    await ctx.invoke(firewallEnable, [host]);
    await ctx.invoke(firewallStart, [host]);
    await ctx.invoke(availableTask, [host], { greeting: true });

    if (timeSync) {
      await ctx.invoke(serviceEnable, [host, timeSync.service]);
      await ctx.invoke(serviceStart, [host, timeSync.service]);
    }
    return {
      host,
      distribution: platform.label,
      arch,
      timezone,
      hostname: name,
      packages,
      firewall: platform.firewall.name,
      ...(timeSync ? { timesync: timeSync.service } : {}),
    };
  },
  render: (r) => `${r.host} ${r.distribution} ${r.arch} ${r.hostname}`,
});

export const prepareTasks: SomeTask[] = [prepareTask];
