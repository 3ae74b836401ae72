// Puppet's syslog messages in a file of their own: an rsyslog rule rendered from
// templates/, the log file, and an rsyslog restart through the host's init system.
import type { TaskContext } from '../engine/context.js';
import { renderTemplate } from '../engine/template.js';
import { platformOf } from '../platform/index.js';
import { cmd } from '../ssh/quote.js';

export interface LoggingPlan {
  template: string;
  /** The rule file under /etc/rsyslog.d/. */
  rule: string;
  logfile: string;
}

export const LOGGING: Record<'master' | 'agent', LoggingPlan> = {
  master: { template: 'rsyslog-puppet-master.conf', rule: '/etc/rsyslog.d/puppet-master.conf', logfile: '/var/log/puppet-master.log' },
  agent: { template: 'rsyslog-puppet-agent.conf', rule: '/etc/rsyslog.d/puppet.conf', logfile: '/var/log/puppet.log' },
};

export async function enableLogging(ctx: TaskContext, hostName: string, role: 'master' | 'agent', logfile = LOGGING[role].logfile) {
  const plan = { ...LOGGING[role], logfile };
  const platform = await platformOf(ctx, hostName);
  const host = await ctx.ssh(hostName);
  await host.upload(renderTemplate(plan.template, { logfile }), plan.rule, { mode: '0644', owner: 'root', group: 'root', sudo: true });
  // Debian and Ubuntu run rsyslog as the syslog user, which could not write a file root
  // created; there rsyslog creates the file itself.
  if (platform.packages.name !== 'apt-get') await host.run(cmd('touch', logfile), { sudo: true });
  await host.run(platform.services.command('rsyslog', 'restart'), { sudo: true });
  return { host: hostName, rule: plan.rule, logfile };
}
