// The original's INI credentials file (~/.awscred). Keys, as the catalog documents them:
// AWSAccessKeyId, AWSSecretKey (the original code read AWSSecretAccessKey: both are
// accepted), AWSKeyPairName, AWSEC2Type, RemoteUser, AWSRegion, PuppetSource, PuppetCoreKey, and per-OS sections
// such as [fedora19] with BaseOSImage and RemoteUser.
import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'ini';
import { ConfigError, UsageError } from '../engine/errors.js';

/** A credentials file is a few lines; anything bigger is the wrong file. */
export const MAX_AWSCRED_BYTES = 64 * 1024;

/** The keys the file may hold at the top, and in a per-OS [section]. */
export const AWSCRED_KEYS = [
  'AWSAccessKeyId',
  'AWSSecretKey',
  'AWSSecretAccessKey',
  'AWSSessionToken',
  'AWSKeyPairName',
  'AWSEC2Type',
  'RemoteUser',
  'AWSRegion',
  'PuppetSource',
  'PuppetCoreKey',
] as const;
export const AWSCRED_SECTION_KEYS = ['BaseOSImage', 'RemoteUser'] as const;

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
  /** What the caller should warn about (unknown keys), already worded; never a value. */
  warnings: string[];
}

/**
 * `--awscred FILE` if given (it must exist), else ~/.awscred, else ./.awscred.
 * Returns undefined when there is no file: the SDK credential chain is used then.
 */
export function findAwsCredPath(flag: string | undefined, cwd: string, home = homedir()): string | undefined {
  if (flag) {
    const path = resolve(cwd, flag);
    if (!exists(path)) throw new UsageError(`--awscred ${flag}: no such file`);
    return path;
  }
  // One that exists but is no regular file (a directory, a FIFO) is an error when read, not skipped.
  for (const candidate of [join(home, '.awscred'), join(cwd, '.awscred')]) {
    if (exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Reads and parses the file. Every secret in it goes to onSecret first, before any check
 * can fail and before the caller prints anything: the redactor must know them all.
 */
export function loadAwsCred(path: string, onSecret: (secret: string) => void = () => {}): AwsCred {
  const text = readAwsCredText(path);
  scanSecrets(text, onSecret);
  const warnings = checkSyntax(path, text);
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
    warnings,
  };
}

/**
 * The file as text, or a ConfigError (exit 2) naming it and, where it can, the line: not
 * a regular file, unreadable, over 64 KiB, UTF-16, NUL bytes (binary), not UTF-8. A
 * UTF-8 byte order mark is dropped. A value is never quoted: the file holds secrets.
 */
export function readAwsCredText(path: string): string {
  let buf: Buffer;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ConfigError(`${path} is a directory, not an awscred file`);
    if (!st.isFile()) throw new ConfigError(`${path} is not a regular file`);
    if (st.size > MAX_AWSCRED_BYTES) throw tooBig(path, st.size);
    buf = readFileSync(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(`cannot read ${path}: ${why}`, code === 'EACCES' ? { hint: `run: chmod 600 ${path} (as its owner)` } : {});
  }
  if (buf.length > MAX_AWSCRED_BYTES) throw tooBig(path, buf.length);
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new ConfigError(`${path}, line 1: UTF-16 text (a byte order mark); save it as UTF-8`);
  }
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const lineAt = (offset: number) => 1 + countNewlines(buf, offset);
  const nul = buf.indexOf(0, start);
  if (nul >= 0) throw new ConfigError(`${path}, line ${lineAt(nul)}: a NUL byte; this is not a text file`);
  const bad = firstInvalidUtf8Line(buf, start);
  if (bad > 0) throw new ConfigError(`${path}, line ${bad}: not UTF-8 text`);
  return buf.toString('utf8', start);
}

function tooBig(path: string, size: number): ConfigError {
  return new ConfigError(`${path} is ${size} bytes; an awscred file is at most 64 KiB (is it the right file?)`);
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The 1-based line of the first byte sequence that is not well-formed UTF-8, or 0. Node's
 * own validator (buffer.isUtf8: overlong forms, surrogates and truncation included) checks
 * the whole file, then each line to name the first bad one.
 */
export function firstInvalidUtf8Line(buf: Buffer, start = 0): number {
  if (isUtf8(buf.subarray(start))) return 0;
  let line = 1;
  for (let from = start; from <= buf.length; line++) {
    const end = buf.indexOf(10, from);
    const stop = end < 0 ? buf.length : end;
    if (!isUtf8(buf.subarray(from, stop))) return line;
    from = stop + 1;
  }
  return line;
}

/**
 * Each line must be blank, a comment (; or #), a [section] or KEY=VALUE; anything else
 * is a ConfigError naming the line. Unknown keys come back as one warning that names
 * the known ones.
 */
function checkSyntax(path: string, text: string): string[] {
  const unknown: string[] = [];
  let section: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const n = index + 1;
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const fail = (why: string) => {
      throw new ConfigError(`${path}, line ${n}: ${why}`);
    };
    if (line.startsWith('[')) {
      const close = line.indexOf(']');
      if (close < 0) fail('a [section without its closing ]');
      const name = line.slice(1, close).trim();
      if (name === '') fail('an empty [] section name');
      const after = line.slice(close + 1).trim();
      if (after !== '' && !after.startsWith(';') && !after.startsWith('#')) fail('text after the ] of a [section]');
      section = name;
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0) fail('not KEY=VALUE, a [section] or a comment (this file is INI: KEY=VALUE lines)');
    const key = line.slice(0, eq).trim();
    if (key === '') fail('a value without a KEY before the =');
    const known: readonly string[] = section === undefined ? AWSCRED_KEYS : AWSCRED_SECTION_KEYS;
    if (!known.includes(key)) unknown.push(`${key}${section === undefined ? '' : ` in [${section}]`} (line ${n})`);
  });
  if (unknown.length === 0) return [];
  return [
    `${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ignored; ` +
      `known keys: ${AWSCRED_KEYS.join(', ')}; in an [OS] section: ${AWSCRED_SECTION_KEYS.join(', ')}`,
  ];
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
    if (path) scanSecrets(readAwsCredText(path), onSecret);
  } catch {
    // The run fails for its own reason; a file that cannot be read holds nothing to print.
  }
}

/**
 * Section names such as [rhel6.4] contain dots, which the ini package reads as nesting;
 * and a comment after the ] (which checkSyntax allows) is dropped, the package would not.
 */
function escapeSectionDots(text: string): string {
  return text.replace(/^(\s*)\[([^\]\n]+)\][^\n]*/gm, (_m, indent: string, name: string) => `${indent}[${name.replace(/\./g, '\\.')}]`);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    // A path we may not even look at is there, but unreadable: reading it says so.
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** Normalises a --baseos string to a section name: rhel-6.4 → rhel6.4, fedora19 → fedora19. */
export function baseOsSection(baseos: string): string {
  return baseos.replace(/^([a-zA-Z]+)-(?=\d)/, '$1').toLowerCase();
}
