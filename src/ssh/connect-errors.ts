// Why a login failed, in words that say what failed and what to do about it.
import { keyTypeLabel, type KnownEntry } from './knownhosts.js';
import { quote } from './quote.js';
import { SshError } from './errors.js';
import type { UserSource } from './types.js';

export interface ConnectFailureContext {
  alias: string;
  where: string;
  hostName: string;
  port: number;
  user: string;
  userSource: UserSource;
  tried: string[];
  skipped: string[];
  timeoutSeconds: number;
  /**
   * How far a login that timed out got: not even a TCP connection, a TCP connection that
   * never spoke SSH (a firewall's proxy, another service, sshd hung), or the SSH key exchange.
   */
  reached?: 'nothing' | 'tcp' | 'ssh';
}

/** Turns ssh2/socket errors into a message that says what failed and what to do. */
export function describeConnectError(err: Error & { level?: string; code?: string }, c: ConnectFailureContext): SshError {
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || err.level === 'client-dns') {
    return new SshError('dns', c.alias, `cannot resolve ${c.hostName}${c.hostName !== c.alias ? ` (HostName of ${c.alias})` : ''}: ${code || err.message}`, {
      hint: 'check the name (route53:record:get shows what DNS holds) or use an IP address',
    });
  }
  if (code === 'ECONNREFUSED') {
    return new SshError('refused', c.alias, `${c.where} refused the connection on port ${c.port}`, {
      hint: `is sshd running there and listening on port ${c.port}?`,
    });
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN') {
    return new SshError('unreachable', c.alias, `${c.where} is unreachable (${code})`, {
      hint: 'is the host up, and is there a route to it (VPN, public address)?',
    });
  }
  if (err.level === 'client-timeout' && c.reached === 'tcp') {
    return new SshError('timeout', c.alias, `${c.where} answered TCP on port ${c.port} but not SSH within ${c.timeoutSeconds}s`, {
      hint: `something accepts connections on port ${c.port} without speaking SSH: is it sshd, and is sshd still starting or hung?`,
    });
  }
  if (err.level === 'client-timeout' && c.reached === 'ssh') {
    return new SshError('timeout', c.alias, `${c.where} answered SSH but the login did not finish within ${c.timeoutSeconds}s`, {
      hint: 'the host may be overloaded, or still starting; try again, or pass a longer --timeout',
    });
  }
  if (err.level === 'client-timeout' || code === 'ETIMEDOUT') {
    return new SshError('timeout', c.alias, `no SSH answer from ${c.where} within ${c.timeoutSeconds}s`, {
      hint: `is the host up, and does its firewall or security group allow port ${c.port}?`,
    });
  }
  if (err.level === 'client-authentication') {
    const skipped = c.skipped.length ? `; not offered: ${c.skipped.join(', ')}` : '';
    const hint =
      c.userSource === 'default'
        ? 'no login user was given, so root was tried: pass --username (ec2-user on Fedora/RHEL/Amazon Linux images, ubuntu on Ubuntu), or set User in ~/.ssh/config or RemoteUser in the config file'
        : `pass --ssh-key FILE, load the key into ssh-agent, or add its public key to ~${c.user}/.ssh/authorized_keys on ${c.alias}`;
    return new SshError('auth', c.alias, `authentication failed for ${c.user}@${c.where}: tried ${c.tried.join(', ') || 'no key'}${skipped}`, { hint });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new SshError('closed', c.alias, `${c.where} reset the connection before login completed`, {
      hint: 'sshd may still be starting, or a firewall drops the connection',
    });
  }
  return new SshError('other', c.alias, `ssh to ${c.where} failed: ${err.message}`);
}

export function changedKeyError(alias: string, token: string, shown: string, offeredType: string, entries: KnownEntry[]): SshError {
  // The entry of the offered type is the one that contradicts; another type only means
  // the host no longer offers the key we know.
  const same = entries.filter((e) => e.keyType === offeredType);
  const culprits = same.length ? same : entries;
  const where = culprits.map((e) => `line ${e.line} of ${e.path}`).join(', ');
  const first = culprits[0]!;
  const detail = same.length ? `the server now offers ${shown}` : `the server offers ${shown} but only a ${keyTypeLabel(first.keyType)} key is known`;
  return new SshError('host-key-changed', alias, `host key for ${token} changed: ${detail}; if the host was re-created, remove ${where}`, {
    hint: `a changed key can also mean the connection is intercepted: compare the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then run ssh-keygen -R ${quote(token)} -f ${first.path}`,
  });
}
