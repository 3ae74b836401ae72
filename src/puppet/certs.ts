// The Puppet certificate authority on the master: listing (every output format since
// 2.7), and signing only what has really been requested.
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError, RemoteCommandError } from '../engine/errors.js';
import { poll } from '../engine/wait.js';
import { cmd, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import type { PuppetFlavor } from './generation.js';
import { SignQueue } from './sign-queue.js';

export type CertState = 'signed' | 'pending' | 'revoked';

export interface CertEntry {
  name: string;
  state: CertState;
  /** MD5, SHA1, SHA256 or SHA512. */
  algorithm: string;
  /** Colon-separated hex pairs, upper case. */
  fingerprint: string;
  altNames: string[];
  /** Puppet's explanation for an invalid certificate, e.g. "certificate revoked". */
  note?: string;
}

const GLYPH: Record<CertState, string> = { signed: '+', revoked: '-', pending: '' };

/** `state name ALGO:fingerprint`; the state column is empty for a pending request. */
export function formatCert(c: CertEntry): string {
  return `${GLYPH[c.state]} ${c.name} ${c.algorithm}:${c.fingerprint}`;
}

const ALGORITHM_BY_PAIRS: Record<number, string> = { 16: 'MD5', 20: 'SHA1', 32: 'SHA256', 64: 'SHA512' };
const HEX_PAIRS = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+$/;

function fingerprintOf(pairs: string, label?: string): { algorithm: string; fingerprint: string } {
  const count = pairs.split(':').length;
  return { algorithm: label?.toUpperCase() ?? ALGORITHM_BY_PAIRS[count] ?? `${count * 8}BIT`, fingerprint: pairs.toUpperCase() };
}

function unquoteAll(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
}

// `puppetserver ca list [--all]` (Puppet 6+): section headers, then indented entries
//     agent.example.com   (SHA256)  AB:…:EF	alt names: ["DNS:a", "DNS:b"]	authorization extensions: [pp_cli_auth: true]
const SECTION = /^(Requested|Signed|Revoked) Certificates:\s*$/;
const SECTION_STATE: Record<string, CertState> = { Requested: 'pending', Signed: 'signed', Revoked: 'revoked' };
const SERVER_ENTRY = /^\s+(\S+)\s+\((SHA\d+|MD5)\)\s+([0-9A-Fa-f:]+)(.*)$/;

// `puppet cert list [--all]` (2.7 and 3.x): glyph, name, fingerprint, then optional parts
//   2.7: + "name" (AB:…16 pairs) (alt names: DNS:a, DNS:b)      (early 2.7: name unquoted)
//   3.x: + "name" (SHA256) AB:…32 pairs (alt names: "DNS:a", "DNS:b")
//        - "name" (SHA256) AB:… (certificate revoked)
const LEGACY_ENTRY = /^([+-])?\s*(?:"([^"]+)"|([^\s"(]+))\s+(?:\(([0-9A-Fa-f:]+)\)|\((SHA\d+|MD5)\)\s+([0-9A-Fa-f:]+))(.*)$/;

/**
 * Reads the certificate list of any Puppet since 2.7. Lines that are neither entries nor
 * section headers (warnings, "No certificates to list") are skipped.
 */
export function parseCertList(lines: readonly string[]): CertEntry[] {
  const certs: CertEntry[] = [];
  let section: CertState | undefined;
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') continue;
    const header = SECTION.exec(line.trim());
    if (header) {
      section = SECTION_STATE[header[1]!];
      continue;
    }
    if (section) {
      const m = SERVER_ENTRY.exec(line);
      if (m && HEX_PAIRS.test(m[3]!)) {
        const altList = /alt names:\s*\[([^\]]*)\]/.exec(m[4]!)?.[1];
        certs.push({ name: m[1]!, state: section, ...fingerprintOf(m[3]!, m[2]), altNames: altList ? unquoteAll(altList) : [] });
        continue;
      }
    }
    const m = LEGACY_ENTRY.exec(line);
    if (!m) continue;
    const pairs = m[4] ?? m[6]!;
    if (!HEX_PAIRS.test(pairs)) continue;
    const rest = m[7]!;
    const altList = /\(alt names:\s*([^)]*)\)/.exec(rest)?.[1];
    const note = [...rest.matchAll(/\(([^)]*)\)/g)].map((n) => n[1]!).find((n) => !n.startsWith('alt names:'));
    const state: CertState = m[1] === '+' ? 'signed' : m[1] === '-' ? 'revoked' : 'pending';
    certs.push({
      name: m[2] ?? m[3]!,
      state,
      ...fingerprintOf(pairs, m[5]),
      altNames: altList ? unquoteAll(altList) : [],
      ...(note ? { note } : {}),
    });
  }
  return certs;
}

/** The CA commands of a flavor. They read and write the CA's files, so they run as root. */
export function caCommands(flavor: PuppetFlavor) {
  const server = flavor.ca === 'puppetserver-ca';
  const act = (action: 'clean' | 'revoke', certname: string): ShellCommand =>
    server ? cmd(flavor.bin.puppetserver, 'ca', action, '--certname', certname) : cmd(flavor.bin.puppet, 'cert', action, certname);
  return {
    list: (all: boolean): ShellCommand =>
      server ? cmd(flavor.bin.puppetserver, 'ca', 'list', all ? ['--all'] : []) : cmd(flavor.bin.puppet, 'cert', 'list', all ? ['--all'] : []),
    /** One command for several requests: `--certname A,B` (certnames never hold a comma), or `cert sign A B`. */
    sign: (certnames: readonly string[]): ShellCommand =>
      server ? cmd(flavor.bin.puppetserver, 'ca', 'sign', '--certname', certnames.join(',')) : cmd(flavor.bin.puppet, 'cert', 'sign', certnames),
    clean: (certname: string) => act('clean', certname),
    revoke: (certname: string) => act('revoke', certname),
  };
}

/** Certnames are lower case in Puppet; what a user types may not be. */
/** The exclusive() key for changes to one master's CA. */
export const caKey = (master: string) => `puppet-ca:${master}`;

export const sameCertname = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export async function listCerts(master: RemoteHost, flavor: PuppetFlavor, all: boolean): Promise<CertEntry[]> {
  try {
    const r = await master.run(caCommands(flavor).list(all), { sudo: true, readOnly: true });
    return parseCertList(r.stdout);
  } catch (e) {
    // `puppetserver ca` asks the running server's CA API; a stopped server is the usual cause.
    if (e instanceof RemoteCommandError && flavor.ca === 'puppetserver-ca' && e.code !== 127) {
      throw new RemoteCommandError(e.host, e.command, e.code, e.outputTail, {
        hint: `is ${flavor.masterService} running on ${master.name}? (origin-setup remote:service:status ${master.name} ${flavor.masterService})`,
      });
    }
    throw e;
  }
}

export async function findCert(master: RemoteHost, flavor: PuppetFlavor, certname: string): Promise<CertEntry | undefined> {
  return (await listCerts(master, flavor, true)).find((c) => sameCertname(c.name, certname));
}

export interface SignOptions {
  wait: boolean;
  timeoutSeconds: number;
}

export interface SignResult {
  master: string;
  certname: string;
  /** What was done: signed now, or found already signed. */
  action: 'signed' | 'already-signed';
  /** The fingerprint of the request that was signed, or of the certificate already there. */
  fingerprint: string;
  algorithm: string;
}

function agentHint(certname: string, master: string): string {
  return `is the Puppet agent on ${certname} running and pointed at ${master} (its server setting)? Check with: origin-setup puppet:config ${certname} server; origin-setup puppet:cert:list ${master} --all`;
}

/**
 * Signs certname's request on the master, and only that: it lists first, signs a pending
 * request, accepts one already signed, refuses a revoked one, and with `wait` polls
 * until the request appears (TimeoutError naming both hosts when it never does).
 */
export async function signRequest(ctx: TaskContext, masterName: string, flavor: PuppetFlavor, certname: string, o: SignOptions): Promise<SignResult> {
  const master = await ctx.ssh(masterName);
  const lookup = async (): Promise<CertEntry | undefined> => {
    const entry = await findCert(master, flavor, certname);
    // A revoked certificate never turns into a request by itself: waiting would not help.
    if (entry?.state === 'revoked') {
      throw new OriginError(`${masterName}: the certificate of ${certname} is revoked`, {
        hint: `clean it first (origin-setup puppet:cert:clean ${masterName} ${certname}), then let the agent ask again`,
      });
    }
    return entry;
  };
  let entry = await lookup();
  if (!entry) {
    if (!o.wait) {
      throw new NotFoundError(`${masterName}: no certificate request from ${certname}`, {
        hint: `${agentHint(certname, masterName)} Or pass --wait to wait for it.`,
      });
    }
    ctx.log.info(`waiting up to ${o.timeoutSeconds}s for the certificate request of ${certname} on ${masterName}`);
    const live = ctx.live(`waiting for the certificate request of ${certname} on ${masterName}`);
    entry = await poll(
      {
        live,
        what: `a certificate request from ${certname} on ${masterName}`,
        timeoutSeconds: o.timeoutSeconds,
        delaySeconds: 2,
        maxDelaySeconds: 15,
        scale: ctx.settings.timeScale,
        signal: ctx.signal,
        hint: agentHint(certname, masterName),
      },
      async (n) => {
        if (n > 1) ctx.log.verbose(`try ${n}: no request from ${certname} yet`);
        if (n > 1) live.phase(`no request yet (try ${n})`);
        return lookup();
      },
    );
  }
  if (entry.state === 'signed') {
    ctx.log.info(`${certname} is already signed on ${masterName}`);
    return { master: masterName, certname: entry.name, action: 'already-signed', fingerprint: entry.fingerprint, algorithm: entry.algorithm };
  }
  // Agents enrolling together share one queue per master: one sign command at a time (the
  // file CA of Puppet up to 5 has no lock), each taking every request that arrived meanwhile.
  const queue = await ctx.memo(`puppet-sign-queue:${masterName}`, () => Promise.resolve(new SignQueue()));
  try {
    await queue.sign(entry.name, (names) => ctx.exclusive(caKey(masterName), () => master.run(caCommands(flavor).sign(names), { sudo: true }).then(() => {})));
  } catch (err) {
    // An autosign policy may sign the request between our list and our sign: the CA then
    // refuses ours (puppetserver: 409 "without a certificate request"). Signed is signed.
    const now = await lookup();
    if (now?.state !== 'signed') throw err;
    ctx.log.info(`${certname} was signed on ${masterName} while we asked (by its autosign policy, or another run)`);
    return { master: masterName, certname: now.name, action: 'already-signed', fingerprint: now.fingerprint, algorithm: now.algorithm };
  }
  ctx.log.verbose(`signed ${entry.name} (request ${entry.algorithm}:${entry.fingerprint})`);
  return { master: masterName, certname: entry.name, action: 'signed', fingerprint: entry.fingerprint, algorithm: entry.algorithm };
}
