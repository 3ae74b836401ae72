// remote:service:* — start, stop, restart, enable, disable or query services with the
// host's own init system (systemctl, or service plus chkconfig/update-rc.d).
import { defineTask, type SomeTask } from '../../engine/task.js';
import { identifier } from '../../engine/validate.js';
import { changeServices, renderStates, serviceStatus, type ChangeAction } from '../../platform/control.js';
import { hostArg } from '../../remote/args.js';

const servicesArg = { name: 'services', description: 'service names', variadic: true, validate: identifier } as const;

const SUMMARIES: Record<ChangeAction, string> = {
  start: 'start services now',
  stop: 'stop services now',
  restart: 'restart services',
  enable: 'start services at every boot',
  disable: 'stop starting services at boot',
};

const changeTask = (action: ChangeAction) =>
  defineTask({
    name: `remote:service:${action}`,
    summary: SUMMARIES[action],
    args: [hostArg, servicesArg],
    options: {},
    example: `origin-setup remote:service:${action} puppet.example.org puppetmaster`,
    async run(ctx, { host, services }) {
      await changeServices(ctx, host, action, services);
      return { host, action, services };
    },
    render: () => undefined,
  });

export const serviceStart = changeTask('start');
export const serviceStop = changeTask('stop');
export const serviceRestart = changeTask('restart');
export const serviceEnable = changeTask('enable');
export const serviceDisable = changeTask('disable');

export const serviceStatusTask = defineTask({
  name: 'remote:service:status',
  summary: 'print SERVICE active|inactive for each service (exit 0 either way)',
  args: [hostArg, servicesArg],
  options: {},
  example: 'origin-setup remote:service:status puppet.example.org puppetmaster httpd',
  run: (ctx, { host, services }) => serviceStatus(ctx, host, services),
  render: renderStates,
});

export const serviceTasks: SomeTask[] = [serviceStart, serviceStop, serviceRestart, serviceEnable, serviceDisable, serviceStatusTask];
