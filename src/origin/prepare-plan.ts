// origin:prepare's choices that depend on the host: which packages the baseline needs
// and which time-sync daemon the distribution uses. The steps themselves are sub-tasks.
import type { TaskContext } from '../engine/context.js';
import type { Platform } from '../platform/types.js';
// Referenced only inside prepareWith: the origin:prepare task module imports this one too.
import { prepareTask } from '../tasks/origin/prepare.js';

export interface TimeSync {
  package: string;
  service: string;
}

/**
 * chrony wherever systemd is (Fedora ≥ 16, EL ≥ 7, Amazon Linux 2, Debian, Ubuntu); the
 * SysV rpm hosts (EL6, Amazon Linux 1) keep ntpd. Debian names chrony's unit `chrony`.
 */
export function timeSyncFor(platform: Platform): TimeSync {
  if (platform.packages.name === 'apt-get') return { package: 'chrony', service: 'chrony' };
  if (platform.services.name === 'sysv') return { package: 'ntp', service: 'ntpd' };
  return { package: 'chrony', service: 'chronyd' };
}

/** The user's packages, then the firewall and augeas tools, then time sync: each once, in that order. */
export function preparePackages(platform: Platform, extra: readonly string[], timeSync?: TimeSync): string[] {
  const all = [...extra, ...platform.firewall.packages, platform.augeasPackage, ...(timeSync ? [timeSync.package] : [])];
  return [...new Set(all)];
}

/** The options a composed flow passes through to origin:prepare (its prepareOptions). */
export interface PrepareChoices {
  timezone?: string;
  hostname?: string;
  ntp?: boolean;
}

/** origin:prepare for a flow that adds its own packages (master, agent, build box). */
export async function prepareWith(ctx: TaskContext, host: string, o: PrepareChoices, packages: readonly string[]): Promise<void> {
  await ctx.invoke(prepareTask, [host], { timezone: o.timezone, hostname: o.hostname, ntp: o.ntp, packages: [...packages] });
}
