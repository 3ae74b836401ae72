// Init system command families. systemd hosts get systemctl; SysV hosts get `service`
// for the running state and chkconfig (EL) or update-rc.d (Debian) for boot.
import { cmd } from '../ssh/quote.js';
import type { ServiceAction, ServiceCommands } from './types.js';

export function systemdCommands(): ServiceCommands {
  return {
    name: 'systemd',
    // is-active exits 0 only for a running unit and, unlike `status`, never pages.
    command: (service, action) => (action === 'status' ? cmd('systemctl', 'is-active', service) : cmd('systemctl', action, service)),
  };
}

export function sysvCommands(boot: 'chkconfig' | 'update-rc.d'): ServiceCommands {
  const onBoot = (service: string, action: 'enable' | 'disable') =>
    boot === 'chkconfig' ? cmd('chkconfig', service, action === 'enable' ? 'on' : 'off') : cmd('update-rc.d', service, action);
  return {
    name: 'sysv',
    command: (service: string, action: ServiceAction) =>
      action === 'enable' || action === 'disable' ? onBoot(service, action) : cmd('service', service, action),
  };
}
