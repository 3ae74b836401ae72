// Policy-based autosigning with a shared secret. The master runs a small policy script
// (templates/autosign-policy.sh) for each request; it signs when the request carries the
// secret as its challengePassword. Agents put the secret there through csr_attributes.yaml.
// The secret stays in files (local 0600, remote 0600 for the puppet user) and is never
// printed: only the path of the file that holds it is.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OriginError, UsageError } from '../engine/errors.js';
import { renderTemplate } from '../engine/template.js';
import { quote } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import { setPuppetSettings } from './conf.js';
import type { PuppetFlavor } from './generation.js';

/** Where a master's secret is kept on the workstation, so a re-run and the agents find it. */
export function localSecretPath(home: string, master: string): string {
  return join(home, '.origin-setup', 'autosign', `${master}.secret`);
}

/**
 * The policy script and the secret file on the master, beside puppet.conf; the agent's
 * csr_attributes.yaml where its Puppet says it reads it.
 */
export function autosignPaths(flavor: PuppetFlavor): { policy: string; secret: string; csrAttributes: string } {
  return {
    policy: `${flavor.confdir}/autosign-policy.sh`,
    secret: `${flavor.confdir}/autosign-secret`,
    csrAttributes: flavor.paths.csrAttributes,
  };
}

export const secretShape = (v: string) => (/^[\x21-\x7e]{12,}$/.test(v) ? undefined : 'a secret is at least 12 printable characters without blanks');

export interface SecretSource {
  /** Given on the command line. */
  secret?: string;
  /** A local file holding it. */
  secretFile?: string;
  /** The default local file for this master. */
  defaultFile: string;
  /** Create the default file with a new secret when it is missing (the master side). */
  create: boolean;
  /** Under --dry-run nothing is written, locally either. */
  dryRun: boolean;
}

export interface Secret {
  value: string;
  /** The local file it came from or was written to; undefined when given inline. */
  file?: string;
  created: boolean;
}

function readSecret(path: string): string {
  const value = readFileSync(path, 'utf8').trim();
  const bad = secretShape(value);
  if (bad) throw new UsageError(`${path}: ${bad}`);
  return value;
}

export function obtainSecret(s: SecretSource): Secret {
  if (s.secret !== undefined) {
    const bad = secretShape(s.secret);
    if (bad) throw new UsageError(`--secret: ${bad}`);
    return { value: s.secret, created: false };
  }
  const file = s.secretFile ?? s.defaultFile;
  if (existsSync(file)) return { value: readSecret(file), file, created: false };
  if (s.secretFile !== undefined || !s.create) {
    throw new OriginError(`no autosign secret in ${file}`, {
      hint: 'set up the master first (origin-setup puppet:master:autosign MASTER), or pass --secret-file',
    });
  }
  // The global Web Crypto: node:crypto stays out of startup.
  const value = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  if (!s.dryRun) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { value, file, created: true };
}

/** A YAML single-quoted scalar: nothing inside is special except ' itself, written ''. */
export function yamlQuoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface AutosignResult {
  host: string;
  /** The policy script on the master (puppet.conf `autosign`). */
  policy: string;
  /** The secret's file on the master (0600, puppet). */
  secretFile: string;
  /** The secret's file on this workstation, for the agents; undefined when given with --secret. */
  localSecretFile?: string;
  createdSecret: boolean;
}

/**
 * Puts the secret and the policy script on the master and names the script as the
 * server's `autosign` setting. The secret travels only as file content.
 */
export async function setupAutosign(host: RemoteHost, flavor: PuppetFlavor, secret: Secret): Promise<AutosignResult> {
  if (!flavor.policyAutosign) {
    throw new OriginError(`${host.name}: ${flavor.label} has no policy-based autosigning (it arrived in Puppet 3.4)`, {
      hint: 'sign each agent instead: origin-setup puppet:cert:sign MASTER AGENT --wait',
    });
  }
  const paths = autosignPaths(flavor);
  await host.upload(`${secret.value}\n`, paths.secret, { mode: '0600', owner: 'puppet', group: 'puppet', sudo: true });
  await host.upload(renderTemplate('autosign-policy.sh', { secretfile: quote(paths.secret) }), paths.policy, {
    mode: '0755',
    owner: 'root',
    group: 'root',
    sudo: true,
  });
  await setPuppetSettings(host, flavor, [{ section: flavor.serverSection, key: 'autosign', value: paths.policy }]);
  return { host: host.name, policy: paths.policy, secretFile: paths.secret, localSecretFile: secret.file, createdSecret: secret.created };
}

/** Writes csr_attributes.yaml on an agent (0600, root) so its next request carries the secret. */
export async function writeCsrAttributes(host: RemoteHost, flavor: PuppetFlavor, secret: Secret): Promise<string> {
  const path = autosignPaths(flavor).csrAttributes;
  await host.upload(renderTemplate('csr_attributes.yaml', { secret: yamlQuoted(secret.value) }), path, {
    mode: '0600',
    owner: 'root',
    group: 'root',
    sudo: true,
  });
  return path;
}
