// Who logs in where: the login user and where it came from, and the names a login
// builds from the host's ssh_config settings (file tokens, the host as messages show it).
import { localUserName, type HostConfig, type Tokens } from './config.js';
import type { SshSettings, UserSource } from './types.js';

/** One host as a login sees it. A cloud image's root redirect changes user and userSource. */
export interface LoginTarget {
  readonly alias: string;
  readonly config: HostConfig;
  readonly settings: SshSettings;
  user: string;
  userSource: UserSource;
}

/** --username, then ~/.ssh/config, then the config file (for this host, then for all), then root. */
export function loginUser(settings: SshSettings, config: HostConfig, alias: string): { user: string; userSource: UserSource } {
  if (settings.username) return { user: settings.username, userSource: 'flag' };
  if (config.user) return { user: config.user, userSource: 'ssh-config' };
  const known = settings.userFor?.(alias);
  if (known) return { user: known, userSource: 'config' };
  if (settings.configRemoteUser) return { user: settings.configRemoteUser, userSource: 'config' };
  return { user: 'root', userSource: 'default' };
}

/**
 * A jump host logs in as ssh would reach it: the user of its ProxyJump hop, else its
 * ssh_config User, else the local user name. --username and RemoteUser name the login
 * on the hosts the task works on, not on the way there.
 */
export function jumpUser(config: HostConfig, hopUser: string | undefined): { user: string; userSource: UserSource } {
  return { user: hopUser ?? config.user ?? localUserName(), userSource: 'ssh-config' };
}

/** `alias (address:port)`, or just the alias when it is the address and the port is 22. */
export function whereOf(t: LoginTarget): string {
  const { hostName, port } = t.config;
  if (hostName === t.alias && port === 22) return t.alias;
  return `${t.alias} (${hostName}:${port})`;
}

/** The values of ssh_config's %-tokens for this login (%r is the current login user). */
export function pathTokens(t: LoginTarget): Tokens {
  return {
    home: t.settings.home,
    alias: t.alias,
    hostName: t.config.hostName,
    port: t.config.port,
    remoteUser: t.user,
    localUser: localUserName(),
  };
}
