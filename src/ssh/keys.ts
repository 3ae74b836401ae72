// Which keys to offer, in order. --ssh-key is an explicit choice and is offered alone
// (as the original's keys_only did). Otherwise: every key in ssh-agent, then the
// IdentityFile lines of ~/.ssh/config, then ~/.ssh/<AWSKeyPairName>.pem, then the
// default identities; each file once, missing files skipped, unusable ones noted.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../engine/errors.js';

export type KeyParser = (data: Buffer) => { isPrivateKey(): boolean } | Error;

export type Identity = { kind: 'agent'; label: string; socket: string } | { kind: 'file'; label: string; path: string; data: Buffer };

export interface IdentityPlan {
  identities: Identity[];
  /** Files that exist but cannot be used, with the reason ("encrypted: load it into ssh-agent"). */
  skipped: string[];
  /** Where keys were looked for, for the "no key" message. */
  searched: string[];
}

export interface IdentitySources {
  home: string;
  env: NodeJS.ProcessEnv;
  sshKey?: string;
  /** IdentityFile values, already expanded. */
  configFiles: string[];
  identitiesOnly: boolean;
  keyPairName?: string;
}

/** Shows a path with ~ for the home directory. */
export function tildify(path: string, home: string): string {
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

export function planIdentities(src: IdentitySources, parseKey: KeyParser): IdentityPlan {
  const skipped: string[] = [];
  const identities: Identity[] = [];
  const seen = new Set<string>();
  const show = (p: string) => tildify(p, src.home);

  const addFile = (path: string, explicit: boolean): void => {
    if (seen.has(path)) return;
    seen.add(path);
    if (!existsSync(path)) {
      if (explicit) throw new UsageError(`--ssh-key ${path}: no such file`);
      return;
    }
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      skipped.push(`${show(path)} (unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return;
    }
    const parsed = parseKey(data);
    if (parsed instanceof Error) {
      const why = /encrypted|passphrase/i.test(parsed.message) ? 'encrypted: load it into ssh-agent' : `not a usable private key: ${parsed.message}`;
      if (explicit) throw new UsageError(`--ssh-key ${path}: ${why}`);
      skipped.push(`${show(path)} (${why})`);
      return;
    }
    if (!parsed.isPrivateKey()) {
      if (explicit) throw new UsageError(`--ssh-key ${path}: this is a public key; give the private key file`);
      skipped.push(`${show(path)} (a public key)`);
      return;
    }
    identities.push({ kind: 'file', label: show(path), path, data });
  };

  if (src.sshKey) {
    const p = src.sshKey.startsWith('~/') ? src.home + src.sshKey.slice(1) : src.sshKey;
    addFile(isAbsolute(p) ? p : resolve(p), true);
    return { identities, skipped, searched: ['--ssh-key'] };
  }

  const searched: string[] = [];
  const agent = src.env.SSH_AUTH_SOCK;
  if (agent && !src.identitiesOnly) {
    searched.push('ssh-agent');
    if (isSocket(agent)) identities.push({ kind: 'agent', label: 'ssh-agent keys', socket: agent });
    else skipped.push(`ssh-agent (SSH_AUTH_SOCK=${agent} is not a socket)`);
  }
  if (src.configFiles.length) searched.push('IdentityFile in ~/.ssh/config');
  for (const f of src.configFiles) addFile(f, false);
  if (src.keyPairName) {
    const pem = resolve(src.home, '.ssh', `${src.keyPairName}.pem`);
    searched.push(show(pem));
    addFile(pem, false);
  }
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const p = resolve(src.home, '.ssh', name);
    searched.push(show(p));
    addFile(p, false);
  }
  return { identities, skipped, searched };
}
