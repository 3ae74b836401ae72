// ~/.ssh/config as OpenSSH reads it, reduced to what a connection uses. The ssh-config
// package parses each file (keywords, quoting, Match criteria) and matches host
// patterns; the walk over the lines is ours, because the package neither follows
// Include nor says on which line a setting stands, and both matter: an Include inside
// a Host block applies only when that block does, and a keyword we refuse must be
// named with its file and line.
//
// The first value obtained wins (ssh_config(5)). Three kinds of keyword:
// - honoured: where to connect and how to log in and check the host key (HONOURED);
// - refused: keywords that change where or how OpenSSH would connect and that this tool
//   cannot do the same way (REFUSED); in effect for the host being connected, they
//   are an error naming the keyword and its file:line, never silently dropped;
// - everything else (forwardings, agent forwarding, compression, multiplexing, ...)
//   does not change which host we reach or how we prove who it is, and is ignored.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import SSHConfig, { glob } from 'ssh-config';
import { OriginError } from '../engine/errors.js';

/** One hop of a ProxyJump list: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

/** Where a setting was read: for messages that send the user to the line. */
export interface Origin {
  file: string;
  line: number;
}

export type ProxySetting =
  | { kind: 'jump'; hops: JumpHop[]; keyword: 'ProxyJump'; at: Origin }
  | { kind: 'command'; command: string; keyword: 'ProxyCommand'; at: Origin };

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
  /** ProxyJump or ProxyCommand, whichever came first (absent: direct, or `none`). */
  proxy?: ProxySetting;
  /** AddressFamily inet or inet6. */
  addressFamily?: 'inet' | 'inet6';
  /**
   * Why this host cannot be connected as its ssh_config says (a refused keyword, a Match
   * that cannot be evaluated): raised when a connection is attempted, so a dry run or a
   * host that is never contacted does not fail for it.
   */
  refused?: string;
}

/** One line of a config file, in the order OpenSSH reads them, Include already resolved. */
type Item =
  | { kind: 'host'; patterns: string[]; at: Origin }
  | { kind: 'match'; words: string[]; at: Origin }
  | { kind: 'include'; files: ConfigFile[]; at: Origin }
  | { kind: 'option'; keyword: string; param: string; value: string; args: string[]; at: Origin };

interface ConfigFile {
  path: string;
  items: Item[];
}

export interface ParsedSshConfig {
  path: string;
  /** Null when ~/.ssh/config does not exist. */
  root: ConfigFile | null;
  /** Every file read, Includes too (for --debug). */
  files: string[];
}

/** OpenSSH's limit on nested Include. */
const MAX_INCLUDE_DEPTH = 16;

/** The keywords that decide where we connect and how we log in; all are applied. */
export const HONOURED = [
  'Host',
  'Match',
  'Include',
  'HostName',
  'Port',
  'User',
  'ProxyJump',
  'ProxyCommand',
  'AddressFamily',
  'IdentityFile',
  'IdentitiesOnly',
  'UserKnownHostsFile',
  'GlobalKnownHostsFile',
  'StrictHostKeyChecking',
  'HostKeyAlias',
  'HashKnownHosts',
  'ConnectTimeout',
  'ServerAliveInterval',
  'ServerAliveCountMax',
] as const;

/**
 * Keywords that would make OpenSSH connect elsewhere, through something else, or check
 * or authenticate differently, and that this tool cannot do likewise. The predicate says
 * whether a value is in effect (`Tunnel no` is harmless).
 */
const REFUSED: Record<string, { name: string; when?: (value: string, all: Map<string, Setting>) => boolean; why: string }> = {
  proxyusefdpass: { name: 'ProxyUseFdpass', when: isYes, why: 'the ProxyCommand would hand over a socket, which this tool cannot receive' },
  localcommand: {
    name: 'LocalCommand',
    when: (_v, all) => isYes(all.get('permitlocalcommand')?.value ?? 'no'),
    why: 'this tool does not run a local command after connecting',
  },
  tunnel: { name: 'Tunnel', when: (v) => v.toLowerCase() !== 'no', why: 'this tool does not open tun/tap tunnels' },
  canonicalizehostname: {
    name: 'CanonicalizeHostname',
    when: (v) => !['no', 'none'].includes(v.toLowerCase()),
    why: 'this tool does not canonicalize host names, so it would reach another name than ssh does',
  },
  bindaddress: { name: 'BindAddress', why: 'this tool does not choose the local address' },
  bindinterface: { name: 'BindInterface', why: 'this tool does not choose the local interface' },
  knownhostscommand: { name: 'KnownHostsCommand', when: notNone, why: 'this tool reads known_hosts files only' },
  revokedhostkeys: { name: 'RevokedHostKeys', when: notNone, why: 'this tool does not read a revoked-keys file (use @revoked lines in known_hosts)' },
  hostkeyalgorithms: { name: 'HostKeyAlgorithms', why: 'this tool chooses host key algorithms from known_hosts' },
  ciphers: { name: 'Ciphers', why: "this tool uses its SSH library's cipher list" },
  kexalgorithms: { name: 'KexAlgorithms', why: "this tool uses its SSH library's key exchange list" },
  macs: { name: 'MACs', why: "this tool uses its SSH library's MAC list" },
  pubkeyacceptedalgorithms: { name: 'PubkeyAcceptedAlgorithms', why: 'this tool offers every key type it has' },
  pubkeyacceptedkeytypes: { name: 'PubkeyAcceptedKeyTypes', why: 'this tool offers every key type it has' },
  certificatefile: { name: 'CertificateFile', why: 'this tool does not log in with certificates' },
  pkcs11provider: { name: 'PKCS11Provider', when: notNone, why: 'this tool does not use PKCS#11 tokens' },
  securitykeyprovider: { name: 'SecurityKeyProvider', when: notNone, why: 'this tool does not use security keys' },
  identityagent: { name: 'IdentityAgent', when: (v) => v !== 'SSH_AUTH_SOCK', why: 'this tool uses the agent of SSH_AUTH_SOCK only' },
};

/** The Match criteria the ssh-config package can evaluate; any other is refused when it could decide. */
const MATCH_CRITERIA = new Set(['all', 'final', 'exec', 'host', 'originalhost', 'user', 'localuser']);

/** Keywords whose every line counts, not only the first. */
const REPEATABLE = new Set(['identityfile', 'certificatefile', 'localforward', 'remoteforward', 'dynamicforward']);

interface Setting {
  value: string;
  args: string[];
  param: string;
  at: Origin;
}

function isYes(v: string): boolean {
  return ['yes', 'true'].includes(v.toLowerCase());
}

function notNone(v: string): boolean {
  return v.toLowerCase() !== 'none';
}

export function where(at: Origin): string {
  return `${at.file}:${at.line}`;
}

// ---------------------------------------------------------------------------------
// Reading: files, Include, line numbers.

export function loadSshConfig(home: string): ParsedSshConfig {
  const path = join(home, '.ssh', 'config');
  const files: string[] = [];
  const text = readConfigText(path, null);
  if (text === null) return { path, root: null, files };
  return { path, root: parseFile(path, text, home, 0, files), files };
}

/** The file's text; null when it does not exist (OpenSSH skips a missing file), an error when it cannot be read. */
function readConfigText(path: string, from: Origin | null): string | null {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    const via = from ? ` (Include at ${where(from)})` : '';
    throw new OriginError(`cannot read ${path}${via}: ${e.code === 'EISDIR' ? 'it is a directory' : e.message}`, {
      hint: 'make the file readable, or remove the Include that names it',
    });
  }
}

type Value = string | { val: string; separator: string; quoted?: boolean }[];

/** The words of a value as the package split them. */
function words(value: Value): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return value.map((v) => v.val);
}

/** The value as one string: a command keeps its quoting and spacing as the package rebuilt it. */
function joined(value: Value): string {
  if (typeof value === 'string') return value;
  return value
    .map(({ val, separator, quoted }) => `${separator}${quoted ? `"${val.replace(/"/g, '\\"')}"` : val}`)
    .join('')
    .trim();
}

const NEWLINES = /\r\n|\r|\n/g;
const countLines = (s: string | undefined) => (s ? (s.match(NEWLINES)?.length ?? 0) : 0);

function parseFile(path: string, text: string, home: string, depth: number, files: string[]): ConfigFile {
  files.push(path);
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (err) {
    throw new OriginError(`cannot parse ${path}: ${(err as Error).message}`, { hint: 'fix the file; ssh -G HOST shows how OpenSSH reads it' });
  }
  const items: Item[] = [];
  // The package keeps the text around every line (before/after), so counting the line
  // breaks in the order it prints them gives each directive its line number.
  let line = 1;
  const visit = (lines: SSHConfig) => {
    for (const l of lines) {
      line += countLines(l.before);
      if (l.type === SSHConfig.DIRECTIVE) {
        const at = { file: path, line };
        const keyword = l.param.toLowerCase();
        if (keyword === 'host') items.push({ kind: 'host', patterns: words(l.value), at });
        else if (keyword === 'match') items.push({ kind: 'match', words: words(l.value), at });
        else if (keyword === 'include') items.push({ kind: 'include', files: includeFiles(words(l.value), home, at, depth, files), at });
        else items.push({ kind: 'option', keyword, param: l.param, value: joined(l.value), args: words(l.value), at });
      }
      line += countLines(l.after);
      if ('config' in l) visit(l.config);
    }
  };
  visit(parsed);
  return { path, items };
}

/** The files an Include names: ~ expanded, relative to ~/.ssh, globs sorted; a pattern that matches nothing adds nothing. */
function includeFiles(patterns: string[], home: string, at: Origin, depth: number, files: string[]): ConfigFile[] {
  if (depth + 1 > MAX_INCLUDE_DEPTH) {
    throw new OriginError(`${where(at)}: Include nested more than ${MAX_INCLUDE_DEPTH} levels deep`, { hint: 'an Include probably includes itself' });
  }
  const out: ConfigFile[] = [];
  for (const pattern of patterns) {
    let p = pattern;
    if (p === '~' || p.startsWith('~/')) p = home + p.slice(1);
    if (!isAbsolute(p)) p = join(home, '.ssh', p);
    for (const path of expandGlob(p)) {
      const text = readConfigText(path, at);
      if (text !== null) out.push(parseFile(path, text, home, depth + 1, files));
    }
  }
  return out;
}

const GLOB_CHARS = /[*?[]/;

/** glob(3) for an absolute path: `*`, `?` and `[...]` in any segment, no match for dot files unless spelled, sorted. */
function expandGlob(path: string): string[] {
  if (!GLOB_CHARS.test(path)) return [path];
  const segments = path.split('/').filter((s) => s !== '');
  let found = ['/'];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of found) {
      if (!GLOB_CHARS.test(segment)) {
        next.push(join(dir, segment));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue; // a directory that is not there or not readable holds no matches
      }
      const re = globSegment(segment);
      for (const name of names.sort()) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        if (!re.test(name)) continue;
        const p = join(dir, name);
        if (!last) {
          try {
            if (!statSync(p).isDirectory()) continue;
          } catch {
            continue;
          }
        }
        next.push(p);
      }
    }
    found = next;
  }
  return found;
}

function globSegment(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let body = segment.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------
// Evaluating: the settings for one host name.

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
  v = expandTokens(v, t);
  return isAbsolute(v) ? v : join(t.home, v);
}

/** %% %d %h %n %p %r %u %i, as ssh_config(5) defines them. */
export function expandTokens(value: string, t: Tokens): string {
  return value.replace(/%([%dhnprui])/g, (_m, c: string) => {
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
}

export function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? String(process.getuid?.() ?? '');
  }
}

/** What a caller fixes before ssh_config is read: a jump hop's own user and port, the --username flag. */
export interface HostOverrides {
  user?: string;
  port?: number;
}

/** A Match that cannot be evaluated: it decides nothing unless its block sets something that matters. */
interface Undecided {
  word: string;
  at: Origin;
}

type Active = true | false | Undecided;

class Evaluation {
  readonly settings = new Map<string, Setting>();
  readonly repeated = new Map<string, Setting[]>();
  refused?: string;
  wantFinal = false;
  final = false;
  /** What Host and `Match host` compare with: the alias, then HostName in the final pass. */
  host: string;

  constructor(
    readonly alias: string,
    private readonly home: string,
    private readonly overrides: HostOverrides,
  ) {
    this.host = alias;
  }

  walk(file: ConfigFile, outer: Active): void {
    let active: Active = outer;
    for (const item of file.items) {
      switch (item.kind) {
        case 'host':
          active = outer === false ? false : hostMatches(item.patterns, this.host) ? outer : false;
          break;
        case 'match':
          active = outer === false ? false : this.match(item.words, item.at, outer);
          break;
        case 'include':
          if (active !== false) for (const f of item.files) this.walk(f, active);
          break;
        case 'option':
          if (active !== false) this.set(item, active);
          break;
      }
    }
  }

  private set(item: Extract<Item, { kind: 'option' }>, active: true | Undecided): void {
    const setting: Setting = { value: item.value, args: item.args, param: item.param, at: item.at };
    // ProxyJump and ProxyCommand share one slot: whichever comes first wins.
    const key = item.keyword === 'proxyjump' || item.keyword === 'proxycommand' ? 'proxy' : item.keyword;
    const repeatable = REPEATABLE.has(key);
    if (!repeatable && this.settings.has(key)) return; // an earlier line already decided it
    if (active !== true) {
      if (matters(key)) {
        this.refused ??=
          `${where(active.at)}: Match ${active.word} cannot be evaluated by this tool, and its block sets ${item.param} (${where(item.at)}) ` +
          `for ${this.alias}`;
      }
      return;
    }
    if (repeatable) {
      const list = this.repeated.get(key) ?? [];
      list.push(setting);
      this.repeated.set(key, list);
    } else {
      this.settings.set(key, setting);
    }
  }

  /** One Match line: each criterion in order, as OpenSSH does; a failed one stops the rest (an exec is never run after it). */
  private match(words: string[], at: Origin, outer: true | Undecided): Active {
    let result: Active = outer;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const name = word.toLowerCase();
      if (name === 'all' || name === 'canonical' || name === 'final') {
        if (name === 'final') {
          if (this.final) continue;
          this.wantFinal = true;
          return false;
        }
        if (name === 'all') continue;
      }
      const arg = name === 'canonical' ? undefined : words[++i];
      if (!MATCH_CRITERIA.has(name)) {
        // The package would take this as "no match" and move on; we cannot know, so the
        // block stays undecided and any setting in it that matters is refused.
        if (result === true) result = { word: arg === undefined ? word : `${word} ${arg}`, at };
        continue;
      }
      if (arg === undefined) throw new OriginError(`${where(at)}: Match ${word} needs an argument`);
      if (!this.criterion(name, arg, at)) return false;
    }
    return result;
  }

  private criterion(name: string, arg: string, at: Origin): boolean {
    const local = localUserName();
    switch (name) {
      case 'host':
        return hostMatches(arg.split(','), this.currentHostName());
      case 'originalhost':
        return hostMatches(arg.split(','), this.alias);
      case 'user':
        return hostMatches(arg.split(','), this.overrides.user ?? this.settings.get('user')?.value ?? local);
      case 'localuser':
        return hostMatches(arg.split(','), local);
      default:
        return this.exec(arg, at);
    }
  }

  /** HostName so far (%h is the alias), else the alias: what OpenSSH compares `Match host` with. */
  private currentHostName(): string {
    if (this.final) return this.host;
    const hn = this.settings.get('hostname')?.value;
    return hn === undefined ? this.alias : hn.replace(/%(%|h)/g, (_m, c: string) => (c === '%' ? '%' : this.alias));
  }

  /** `Match exec`: the command through /bin/sh, matching when it exits 0, as ssh does. */
  private exec(command: string, at: Origin): boolean {
    const t: Tokens = {
      home: this.home,
      alias: this.alias,
      hostName: this.currentHostName(),
      port: this.overrides.port ?? (Number(this.settings.get('port')?.value) || 22),
      remoteUser: this.overrides.user ?? this.settings.get('user')?.value ?? localUserName(),
      localUser: localUserName(),
    };
    const r = spawnSync('/bin/sh', ['-c', expandTokens(command, t)], { stdio: 'ignore', timeout: 30_000 });
    if (r.error || r.signal) {
      throw new OriginError(`${where(at)}: Match exec ${JSON.stringify(command)} did not finish: ${r.error?.message ?? `killed by ${r.signal}`}`);
    }
    return r.status === 0;
  }
}

/** Honoured and refused keywords: those whose value changes which host we reach or how. */
function matters(key: string): boolean {
  return key === 'proxy' || key === 'permitlocalcommand' || key in REFUSED || HONOURED_KEYS.has(key);
}
const HONOURED_KEYS = new Set<string>(HONOURED.map((k) => k.toLowerCase()));

/** ssh_config pattern lists (`*`, `?`, `!negation`), with the package's matcher. */
function hostMatches(patterns: string[], name: string): boolean {
  return glob(patterns, name);
}

function first(s: Setting | undefined): string | undefined {
  return s?.args[0] ?? (s?.value || undefined);
}

function positiveInt(s: Setting | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s.value);
  if (!Number.isInteger(n) || n < 0) throw new OriginError(`${s.at.file}: ${what} ${s.value} is not a number (line ${s.at.line})`);
  return n;
}

/** `[user@]host[:port]`, `ssh://[user@]host[:port]`, `[v6addr]:port`. */
export function parseJumpHop(spec: string, at: Origin): JumpHop {
  let s = spec.startsWith('ssh://') ? spec.slice('ssh://'.length).replace(/\/$/, '') : spec;
  const hop: Partial<JumpHop> = {};
  const atSign = s.lastIndexOf('@');
  if (atSign >= 0) {
    hop.user = s.slice(0, atSign);
    s = s.slice(atSign + 1);
  }
  let host = s;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) [host, port] = [v6[1]!, v6[2]];
  else if (s.split(':').length === 2) [host, port] = s.split(':') as [string, string];
  const bad = (why: string) =>
    new OriginError(`${where(at)}: ProxyJump ${JSON.stringify(spec)}: ${why}`, { hint: 'write [user@]host[:port], several separated by commas' });
  if (!host || !/^[A-Za-z0-9_.:%-]+$/.test(host) || host.startsWith('-')) throw bad('not a host name');
  if (hop.user !== undefined && !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(hop.user)) throw bad('not a user name');
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw bad(`port ${port} is not a port number`);
    hop.port = n;
  }
  return { ...hop, host };
}

/** The effective settings for one host name. File names are still unexpanded here (they need the user). */
export function computeHost(parsed: ParsedSshConfig, alias: string, overrides: HostOverrides = {}): { host: HostConfig } {
  const ev = new Evaluation(alias, dirname(dirname(parsed.path)), overrides);
  if (parsed.root) {
    ev.walk(parsed.root, true);
    // `Match final`: a second pass over the whole file, Host lines now compared with HostName.
    if (ev.wantFinal) {
      ev.final = true;
      ev.host = (first(ev.settings.get('hostname')) ?? alias).replace(/%(%|h)/g, (_m, c: string) => (c === '%' ? '%' : alias));
      ev.walk(parsed.root, true);
    }
  }
  const s = ev.settings;
  const all = (key: string) => (ev.repeated.get(key) ?? []).map((x) => x.value);
  const hostName = (first(s.get('hostname')) ?? alias).replace(/%(%|h)/g, (_m, c: string) => (c === '%' ? '%' : alias));
  const port = overrides.port ?? positiveInt(s.get('port'), 'Port') ?? 22;
  const host: HostConfig = {
    alias,
    hostName,
    port,
    identityFiles: all('identityfile'),
    identitiesOnly: isYes(first(s.get('identitiesonly')) ?? 'no'),
    userKnownHostsFiles: s.get('userknownhostsfile')?.args ?? [],
    globalKnownHostsFiles: s.get('globalknownhostsfile')?.args ?? [],
    hashKnownHosts: isYes(first(s.get('hashknownhosts')) ?? 'no'),
  };
  const user = first(s.get('user'));
  if (user) host.user = user;
  const strict = first(s.get('stricthostkeychecking'));
  if (strict) host.strictHostKeyChecking = strict.toLowerCase();
  const alias2 = first(s.get('hostkeyalias'));
  if (alias2) host.hostKeyAlias = alias2;
  const ct = positiveInt(s.get('connecttimeout'), 'ConnectTimeout');
  if (ct) host.connectTimeout = ct;
  const sai = positiveInt(s.get('serveraliveinterval'), 'ServerAliveInterval');
  if (sai) host.serverAliveInterval = sai;
  const sac = positiveInt(s.get('serveralivecountmax'), 'ServerAliveCountMax');
  if (sac) host.serverAliveCountMax = sac;
  const family = first(s.get('addressfamily'))?.toLowerCase();
  if (family === 'inet' || family === 'inet6') host.addressFamily = family;

  const proxy = s.get('proxy');
  if (proxy && proxy.value.toLowerCase() !== 'none') {
    if (proxy.param.toLowerCase() === 'proxyjump') {
      const hops = proxy.value.split(',').map((h) => parseJumpHop(h.trim(), proxy.at));
      host.proxy = { kind: 'jump', hops, keyword: 'ProxyJump', at: proxy.at };
    } else {
      host.proxy = { kind: 'command', command: proxy.value, keyword: 'ProxyCommand', at: proxy.at };
    }
  }

  let refused = ev.refused;
  for (const [key, rule] of Object.entries(REFUSED)) {
    const setting = s.get(key) ?? ev.repeated.get(key)?.[0];
    if (!setting || refused) continue;
    if (rule.when && !rule.when(setting.value, s)) continue;
    refused = `${where(setting.at)}: ${rule.name} applies to ${alias}, and ${rule.why}`;
  }
  if (refused) host.refused = refused;
  return { host };
}
