// ~/.ssh/config, through the ssh-config parser, reduced to what the pool uses. The
// first value obtained wins (ssh_config(5)), Host patterns and Match blocks are the
// library's; `Match exec` is not run (a connection should not start local programs),
// and Include is not followed (the library does not, and we say so in --debug).
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { OriginError } from '../engine/errors.js';

export interface HostConfig {
  /** The name as the user gave it. */
  alias: string;
  /** Where to connect: HostName, else the alias. */
  hostName: string;
  port: number;
  user?: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** yes | accept-new | no | off | ask, lower-cased, when set. */
  strictHostKeyChecking?: string;
  hostKeyAlias?: string;
  hashKnownHosts: boolean;
  connectTimeout?: number;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
}

export interface ParsedSshConfig {
  path: string;
  config: SSHConfig | null;
  hasInclude: boolean;
}

export function loadSshConfig(home: string): ParsedSshConfig {
  const path = join(home, '.ssh', 'config');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { path, config: null, hasInclude: false };
  }
  try {
    return { path, config: SSHConfig.parse(text), hasInclude: /^\s*include\s/im.test(text) };
  } catch (err) {
    throw new OriginError(`cannot parse ${path}: ${(err as Error).message}`, { hint: 'fix the file; ssh -G HOST shows how OpenSSH reads it' });
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : value.split(/\s+/)).filter((v) => v !== '');
}

function yes(value: string | undefined): boolean {
  return value !== undefined && ['yes', 'true'].includes(value.toLowerCase());
}

function positiveInt(value: string | undefined, what: string, path: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new OriginError(`${path}: ${what} ${value} is not a number`);
  return n;
}

export interface Tokens {
  home: string;
  alias: string;
  hostName: string;
  port: number;
  remoteUser: string;
  localUser: string;
}

/** ~ and the %-tokens ssh_config allows in file names. */
export function expandPath(value: string, t: Tokens): string {
  let v = value;
  if (v === '~' || v.startsWith('~/')) v = t.home + v.slice(1);
  v = v.replace(/%([%dhnprui])/g, (_m, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return t.home;
      case 'h':
        return t.hostName;
      case 'n':
        return t.alias;
      case 'p':
        return String(t.port);
      case 'r':
        return t.remoteUser;
      case 'u':
        return t.localUser;
      default:
        return String(process.getuid?.() ?? '');
    }
  });
  return isAbsolute(v) ? v : join(t.home, v);
}

/** The effective settings for one host name. File names are still unexpanded here (they need the user). */
export function computeHost(parsed: ParsedSshConfig, alias: string): { host: HostConfig; raw: Record<string, string | string[]> } {
  const raw = parsed.config ? parsed.config.compute(alias, { ignoreCase: true, matchExec: false }) : {};
  const hostName = (first(raw.hostname) ?? alias).replace(/%(%|h)/g, (_m, c: string) => (c === '%' ? '%' : alias));
  const port = positiveInt(first(raw.port), 'Port', parsed.path) ?? 22;
  const host: HostConfig = {
    alias,
    hostName,
    port,
    identityFiles: all(raw.identityfile),
    identitiesOnly: yes(first(raw.identitiesonly)),
    userKnownHostsFiles: all(raw.userknownhostsfile),
    globalKnownHostsFiles: all(raw.globalknownhostsfile),
    hashKnownHosts: yes(first(raw.hashknownhosts)),
  };
  const user = first(raw.user);
  if (user) host.user = user;
  const strict = first(raw.stricthostkeychecking);
  if (strict) host.strictHostKeyChecking = strict.toLowerCase();
  const alias2 = first(raw.hostkeyalias);
  if (alias2) host.hostKeyAlias = alias2;
  const ct = positiveInt(first(raw.connecttimeout), 'ConnectTimeout', parsed.path);
  if (ct) host.connectTimeout = ct;
  const sai = positiveInt(first(raw.serveraliveinterval), 'ServerAliveInterval', parsed.path);
  if (sai) host.serverAliveInterval = sai;
  const sac = positiveInt(first(raw.serveralivecountmax), 'ServerAliveCountMax', parsed.path);
  if (sac) host.serverAliveCountMax = sac;
  return { host, raw };
}
