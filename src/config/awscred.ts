// The original's INI credentials file (~/.awscred). Keys, as the catalog documents them:
// AWSAccessKeyId, AWSSecretKey (the original code read AWSSecretAccessKey: both are
// accepted), AWSKeyPairName, AWSEC2Type, RemoteUser, AWSRegion, PuppetSource, PuppetCoreKey, and per-OS sections
// such as [fedora19] with BaseOSImage and RemoteUser.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'ini';
import { OriginError, UsageError } from '../engine/errors.js';

/** A credentials file is a few lines; anything bigger is the wrong file. */
export const MAX_AWSCRED_BYTES = 64 * 1024;

export interface OsSection {
  baseOSImage?: string;
  remoteUser?: string;
}

export interface AwsCred {
  path: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  keyPairName?: string;
  ec2Type?: string;
  remoteUser?: string;
  region?: string;
  /** PuppetSource: the default Puppet package source (distribution, openvox, puppetcore). */
  puppetSource?: string;
  /** PuppetCoreKey: the Forge API key for Perforce's Puppet Core repositories (a secret). */
  puppetCoreKey?: string;
  sections: Record<string, OsSection>;
  /** Set when the file can be read by group or others. */
  looseMode?: string;
}

/**
 * `--awscred FILE` if given (it must exist), else ~/.awscred, else ./.awscred.
 * Returns undefined when there is no file: the SDK credential chain is used then.
 */
export function findAwsCredPath(flag: string | undefined, cwd: string, home = homedir()): string | undefined {
  if (flag) {
    const path = resolve(cwd, flag);
    if (!isFile(path)) throw new UsageError(`--awscred ${flag}: no such file`);
    return path;
  }
  for (const candidate of [join(home, '.awscred'), join(cwd, '.awscred')]) {
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Reads and parses the file. Every secret in it goes to onSecret first, before any check
 * can fail and before the caller prints anything: the redactor must know them all.
 */
export function loadAwsCred(path: string, onSecret: (secret: string) => void = () => {}): AwsCred {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OriginError(`cannot read ${path}: ${(err as Error).message}`);
  }
  scanSecrets(text, onSecret);
  const raw = parse(escapeSectionDots(text)) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const sections: Record<string, OsSection> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value && typeof value === 'object') {
      const s = value as Record<string, unknown>;
      sections[key] = { baseOSImage: str(s.BaseOSImage), remoteUser: str(s.RemoteUser) };
    }
  }
  const mode = statSync(path).mode & 0o777;
  const secretAccessKey = str(raw.AWSSecretKey) ?? str(raw.AWSSecretAccessKey);
  for (const v of [secretAccessKey, str(raw.AWSSessionToken), str(raw.PuppetCoreKey)]) if (v) onSecret(v);
  return {
    path,
    accessKeyId: str(raw.AWSAccessKeyId),
    secretAccessKey,
    sessionToken: str(raw.AWSSessionToken),
    keyPairName: str(raw.AWSKeyPairName),
    ec2Type: str(raw.AWSEC2Type),
    remoteUser: str(raw.RemoteUser),
    region: str(raw.AWSRegion),
    puppetSource: str(raw.PuppetSource),
    puppetCoreKey: str(raw.PuppetCoreKey),
    sections,
    looseMode: mode & 0o077 ? mode.toString(8).padStart(4, '0') : undefined,
  };
}

/** A key whose value is a secret: the known ones, and misspellings of them (AWSSecretKy, PuppetCorekey). */
export function isSecretKey(key: string): boolean {
  return /secret|token|password|corekey|credential/i.test(key);
}

/**
 * Every value of a secret-looking key, line by line and without trusting the file to be
 * well formed: as written, and without surrounding quotes (the form the parser yields).
 */
export function scanSecrets(text: string, onSecret: (secret: string) => void): void {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^=;#[\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || !isSecretKey(m[1]!)) continue;
    const value = m[2]!;
    onSecret(value);
    const unquoted = /^(["'])(.*)\1$/.exec(value)?.[2];
    if (unquoted !== undefined) onSecret(unquoted.trim());
  }
}

/**
 * For an error that happens before the settings are resolved (a usage error commander
 * finds): the secrets of the file that would be used, best effort, never failing.
 */
export function primeSecrets(flag: string | undefined, cwd: string, home: string, onSecret: (secret: string) => void): void {
  try {
    const path = findAwsCredPath(flag, cwd, home);
    if (path && statSync(path).isFile() && statSync(path).size <= MAX_AWSCRED_BYTES) scanSecrets(readFileSync(path, 'utf8'), onSecret);
  } catch {
    // The run fails for its own reason; a file that cannot be read holds nothing to print.
  }
}

/** Section names such as [rhel6.4] contain dots, which the ini package reads as nesting. */
function escapeSectionDots(text: string): string {
  return text.replace(/^(\s*)\[([^\]\n]+)\]/gm, (_m, indent: string, name: string) => `${indent}[${name.replace(/\./g, '\\.')}]`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Normalises a --baseos string to a section name: rhel-6.4 → rhel6.4, fedora19 → fedora19. */
export function baseOsSection(baseos: string): string {
  return baseos.replace(/^([a-zA-Z]+)-(?=\d)/, '$1').toLowerCase();
}
