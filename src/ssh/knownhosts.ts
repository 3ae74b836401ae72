// known_hosts, read and written the way OpenSSH does: `host[,host…] keytype base64`,
// `[host]:port` for ports other than 22, hashed names (`|1|salt|hmac`, HMAC-SHA1 of
// the name keyed by the salt), wildcards and negations, @revoked and @cert-authority
// markers. Lines are reported 1-based so a message can say which one to remove.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownEntry {
  path: string;
  line: number;
  keyType: string;
  key: Buffer;
  marker?: 'revoked' | 'cert-authority';
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownEntry }
  | { status: 'unknown' }
  /** The host has entries, none of them this key. */
  | { status: 'changed'; entries: KnownEntry[] }
  | { status: 'revoked'; entry: KnownEntry };

/** The name known_hosts files use for a host and port. */
export function hostToken(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:…` as ssh-keygen -l prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** ED25519, ECDSA, RSA…: the short name OpenSSH shows next to a fingerprint. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}

/** The host key algorithms (ssh2 names) that produce keys of this type. */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  if (['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-dss'].includes(keyType)) {
    return [keyType];
  }
  return [];
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(pattern: string, token: string): boolean {
  const parts = pattern.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(token).digest();
  return got.length === want.length && got.equals(want);
}

/** Whether a known_hosts host field (comma-separated patterns, or one hashed name) names the token. */
export function hostFieldMatches(field: string, token: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, token);
  let positive = false;
  for (const raw of field.split(',')) {
    if (!raw) continue;
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (globToRegExp(pattern).test(token)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** The entries of one file that name the token. A missing file has none. */
export function entriesFor(path: string, token: string): KnownEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: KnownEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0]?.startsWith('@')) {
      return;
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64) return;
    if (!hostFieldMatches(hosts, token)) return;
    out.push({ path, line: i + 1, keyType, key: Buffer.from(base64, 'base64'), ...(marker ? { marker } : {}) });
  });
  return out;
}

/** Checks a presented host key (its blob) against every file, in order. */
export function checkHostKey(files: readonly string[], token: string, blob: Buffer): HostKeyVerdict {
  const entries = files.flatMap((f) => entriesFor(f, token));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  // Certificates are not used by this tool; a CA line neither vouches for nor contradicts a plain key.
  const plain = entries.filter((e) => !e.marker);
  const match = plain.find((e) => e.key.equals(blob));
  if (match) return { status: 'known', entry: match };
  if (plain.length) return { status: 'changed', entries: plain };
  return { status: 'unknown' };
}

/** Key types already recorded for the token: the client asks for those first, as OpenSSH does. */
export function knownKeyTypes(files: readonly string[], token: string): string[] {
  const types: string[] = [];
  for (const e of files.flatMap((f) => entriesFor(f, token))) {
    if (!e.marker && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** Appends `token keytype base64` (the name hashed when HashKnownHosts is on); returns the new line's number. */
export function recordHostKey(path: string, token: string, blob: Buffer, hash: boolean): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let name = token;
  if (hash) {
    const salt = randomBytes(20);
    name = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
  }
  let prefix = '';
  let lines = 0;
  if (existsSync(path) && statSync(path).isFile()) {
    const text = readFileSync(path, 'utf8');
    if (text.length && !text.endsWith('\n')) prefix = '\n';
    lines = text.split('\n').length - (text.endsWith('\n') || text === '' ? 1 : 0);
  }
  appendFileSync(path, `${prefix}${name} ${blobKeyType(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
  return lines + 1;
}
