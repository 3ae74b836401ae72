// A real OpenSSH sshd for tests, on 127.0.0.1 at a free port (never 22), with its own
// host key, sshd_config and user key, started once per test file.
//
// What the remote side looks like:
// - Login user: when the suite runs as root (CI), an unprivileged user `origintest`
//   (created once, home /home/origintest, password field `*` so sshd does not treat it
//   as locked), so the sudo path is really exercised. Without root, the current user.
//   Each instance gives that user its own home under the instance directory: a
//   ForceCommand wrapper (`session`) sets HOME and PATH, cds there and runs the
//   client's command with `/bin/sh -c`, exactly as sshd would with a /bin/sh login
//   shell. sftp goes through the same wrapper, so relative sftp paths land there too.
// - Stand-ins: small shell scripts first on that PATH (sudo, dnf, yum, apt-get, rpm,
//   systemctl, firewall-cmd, …) append one line `name<TAB>arg1<TAB>arg2…` to a log
//   (backslash, tab, CR and newline escaped as \\ \t \r \n), then print what the test
//   configured and exit with its code. sudo records and then execs the rest as the
//   same user (never really root); switches make it want a password or a tty.
// - Distribution: as root, sshd runs under `unshare -m -u` (private mount and UTS
//   namespaces). /etc inside is an overlay of the real /etc whose os-release and
//   redhat-release are symlinks to files in the instance directory, so the probe reads
//   the real paths /etc/os-release and /etc/redhat-release while each test decides
//   what they hold (withOsRelease / withDistribution), and a `hostname NAME` run as
//   root cannot rename the machine. Without root this is unavailable and says so.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { SshSettings } from '../../src/ssh/types.js';

export const TEST_USER = 'origintest';
/** Instance directories and client homes in tmpdir start with this and the worker's pid. */
const SCRATCH_PREFIX = 'origin-sshd-';
export const SSHD = '/usr/sbin/sshd';
const IS_ROOT = process.getuid?.() === 0;
/** PATH without the stand-ins (what a login shell on the machine would have). */
export const ORIGINAL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every command a stand-in exists for, unless the test adds more. */
export const STAND_INS = [
  'sudo',
  'dnf',
  'yum',
  'apt-get',
  'apt',
  'dpkg',
  'dpkg-query',
  'rpm',
  'yum-config-manager',
  'yum-builddep',
  'systemctl',
  'service',
  'chkconfig',
  'update-rc.d',
  'firewall-cmd',
  'lokkit',
  'iptables',
  'iptables-save',
  'ip6tables',
  'ufw',
  'hostnamectl',
  'hostname',
  'timedatectl',
  'setenforce',
  'getenforce',
  'augtool',
  'ip',
  'git',
  'puppet',
  'puppetserver',
  'tito',
  'createrepo',
  'createrepo_c',
  'wget',
  'curl',
  'patch',
  'install',
  'chown',
  'chgrp',
  'ps',
  'reboot',
  'shutdown',
  'poweroff',
  'halt',
] as const;

/** os-release / redhat-release contents of the distributions the tool supports (null: file absent). */
export const DISTRIBUTIONS: Record<string, { osRelease: string | null; redhatRelease: string | null }> = {
  fedora19: {
    osRelease: [
      'NAME=Fedora',
      'VERSION="19 (Schrödinger’s Cat)"',
      'ID=fedora',
      'VERSION_ID=19',
      'PRETTY_NAME="Fedora 19 (Schrödinger’s Cat)"',
      'ANSI_COLOR="0;34"',
      'CPE_NAME="cpe:/o:fedoraproject:fedora:19"',
      '',
    ].join('\n'),
    redhatRelease: 'Fedora release 19 (Schrödinger’s Cat)\n',
  },
  fedora40: {
    osRelease: [
      'NAME="Fedora Linux"',
      'VERSION="40 (Cloud Edition)"',
      'ID=fedora',
      'VERSION_ID=40',
      'PLATFORM_ID="platform:f40"',
      'PRETTY_NAME="Fedora Linux 40 (Cloud Edition)"',
      'VARIANT_ID=cloud',
      '',
    ].join('\n'),
    redhatRelease: 'Fedora release 40 (Forty)\n',
  },
  rhel64: { osRelease: null, redhatRelease: 'Red Hat Enterprise Linux Server release 6.4 (Santiago)\n' },
  centos64: { osRelease: null, redhatRelease: 'CentOS release 6.4 (Final)\n' },
  centos7: {
    osRelease: [
      'NAME="CentOS Linux"',
      'VERSION="7 (Core)"',
      'ID="centos"',
      'ID_LIKE="rhel fedora"',
      'VERSION_ID="7"',
      'PRETTY_NAME="CentOS Linux 7 (Core)"',
      '',
    ].join('\n'),
    redhatRelease: 'CentOS Linux release 7.9.2009 (Core)\n',
  },
  rhel9: {
    osRelease: [
      'NAME="Red Hat Enterprise Linux"',
      'VERSION="9.4 (Plow)"',
      'ID="rhel"',
      'ID_LIKE="fedora"',
      'VERSION_ID="9.4"',
      'PLATFORM_ID="platform:el9"',
      'PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"',
      '',
    ].join('\n'),
    redhatRelease: 'Red Hat Enterprise Linux release 9.4 (Plow)\n',
  },
  amzn2: {
    osRelease: ['NAME="Amazon Linux"', 'VERSION="2"', 'ID="amzn"', 'ID_LIKE="centos rhel fedora"', 'VERSION_ID="2"', 'PRETTY_NAME="Amazon Linux 2"', ''].join(
      '\n',
    ),
    redhatRelease: null,
  },
  ubuntu2204: {
    osRelease: [
      'PRETTY_NAME="Ubuntu 22.04.4 LTS"',
      'NAME="Ubuntu"',
      'VERSION_ID="22.04"',
      'VERSION="22.04.4 LTS (Jammy Jellyfish)"',
      'VERSION_CODENAME=jammy',
      'ID=ubuntu',
      'ID_LIKE=debian',
      '',
    ].join('\n'),
    redhatRelease: null,
  },
  fedora42: {
    osRelease: [
      'NAME="Fedora Linux"',
      'VERSION="42 (Cloud Edition)"',
      'ID=fedora',
      'VERSION_ID=42',
      'PLATFORM_ID="platform:f42"',
      'PRETTY_NAME="Fedora Linux 42 (Cloud Edition)"',
      'VARIANT_ID=cloud',
      '',
    ].join('\n'),
    redhatRelease: 'Fedora release 42 (Adams)\n',
  },
  ubuntu2404: {
    osRelease: [
      'PRETTY_NAME="Ubuntu 24.04.1 LTS"',
      'NAME="Ubuntu"',
      'VERSION_ID="24.04"',
      'VERSION="24.04.1 LTS (Noble Numbat)"',
      'VERSION_CODENAME=noble',
      'ID=ubuntu',
      'ID_LIKE=debian',
      '',
    ].join('\n'),
    redhatRelease: null,
  },
  debian13: {
    osRelease: [
      'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"',
      'NAME="Debian GNU/Linux"',
      'VERSION_ID="13"',
      'VERSION="13 (trixie)"',
      'VERSION_CODENAME=trixie',
      'ID=debian',
      '',
    ].join('\n'),
    redhatRelease: null,
  },
  debian12: {
    osRelease: [
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
      'NAME="Debian GNU/Linux"',
      'VERSION_ID="12"',
      'VERSION="12 (bookworm)"',
      'VERSION_CODENAME=bookworm',
      'ID=debian',
      '',
    ].join('\n'),
    redhatRelease: null,
  },
};

export interface StandInCall {
  name: string;
  args: string[];
  /** What the stand-in read on stdin, for stand-ins that capture it (augtool, patch, or captureStdin). */
  stdin?: string;
}

export interface StandInBehaviour {
  stdout?: string;
  stderr?: string;
  exit?: number;
  /** A /bin/sh script run instead (after recording) with the same arguments; overrides the rest. */
  script?: string;
  /** Read stdin (when it is not a terminal) and keep it for calls(). */
  captureStdin?: boolean;
}

export type SudoMode = 'nopasswd' | 'password' | 'requiretty';

export interface SshdOptions {
  /** Client-side names mapped to this sshd by clientHome()/env(). */
  hosts?: string[];
  /** Allow `root` to log in with the same key (as root only). */
  permitRoot?: boolean;
  /** Extra stand-in names. */
  standIns?: string[];
  /** The distribution the probe sees at start (a DISTRIBUTIONS key); default: the machine's own files. */
  distribution?: string;
  /**
   * Root's logins answer like a cloud image's: `Please login as the user "<user>" rather
   * than the user "root".` and exit 142 (needs permitRoot).
   */
  rootLoginMessage?: boolean;
  /** sshd's LogLevel (default VERBOSE); DEBUG1 logs each forwarded (direct-tcpip) connection. */
  logLevel?: string;
}

export interface ClientHomeOptions {
  /** Write into this HOME instead of a fresh one. */
  home?: string;
  /** Names to map (default: the instance's hosts). */
  hosts?: string[];
  /** Pre-record this sshd's host key in ~/.ssh/known_hosts (default true). */
  knownHosts?: boolean;
  /** `User` in the Host block (default: the test user; null leaves it out). */
  user?: string | null;
  /** `IdentityFile` in the Host block (default: the test key; null leaves it out). */
  identityFile?: string | null;
  /** Appended inside the Host block. */
  hostExtra?: string;
  /** Appended after the Host block. */
  configExtra?: string;
}

export interface Sshd {
  readonly port: number;
  /** The instance directory (keys, config, logs, stand-ins). */
  readonly dir: string;
  /** The login user that has the key. */
  readonly user: string;
  /** The remote HOME (and working directory) of every session. */
  readonly remoteHome: string;
  readonly hosts: string[];
  readonly userKeyPath: string;
  /** `ssh-ed25519 AAAA…` */
  readonly hostPublicKey: string;
  readonly canFakeRelease: boolean;
  /** A known_hosts line for this sshd (default name `[127.0.0.1]:PORT`). */
  hostKeyLine(name?: string): string;
  /** Writes ~/.ssh/config (and known_hosts) into a HOME that maps the test names here. */
  clientHome(options?: ClientHomeOptions): string;
  /**
   * Prepares base.HOME with clientHome() and returns base: `sshd.env(testEnv())` is what
   * runCli needs to reach this sshd by name. (Taking the env keeps this module free of
   * the CLI, so the SSH layer's own tests do not load every task.)
   */
  env(base: NodeJS.ProcessEnv, options?: Omit<ClientHomeOptions, 'home'>): NodeJS.ProcessEnv;
  /** SshSettings for driving SshPool directly (real time, no dry-run). */
  settings(home: string, overrides?: Partial<SshSettings>): SshSettings;
  /** Generates another key pair (not authorized unless authorize() is called); returns the private key path. */
  newKey(name: string): string;
  authorize(privateKeyPath: string): void;
  /** The stand-in calls recorded since the last clearCalls(). */
  calls(): StandInCall[];
  readCallLog(): string;
  clearCalls(): void;
  standIn(name: string, behaviour: StandInBehaviour): void;
  /** Forgets every configured behaviour, the sudo mode and the recorded calls. */
  resetStandIns(): void;
  sudoMode(mode: SudoMode): void;
  /** What /etc/os-release and /etc/redhat-release hold for the next commands (null: absent). */
  withOsRelease(osRelease: string | null, redhatRelease?: string | null): void;
  withDistribution(key: string): void;
  /** Kills every live connection (the per-connection sshd processes and their children). */
  dropConnections(): Promise<number>;
  /** `Accepted publickey` lines in sshd's log: completed logins since start. */
  logins(): number;
  sshdLog(): string;
  /** Replaces the host key and restarts (clients that know the old key must refuse). */
  rotateHostKey(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Stops only the listening sshd: sessions already open go on, new connections are
   * refused (as behind a firewall without the ssh rule). start() listens again.
   */
  stopListening(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function userExists(name: string): boolean {
  try {
    run('getent', ['passwd', name]);
    return true;
  } catch {
    return false;
  }
}

/** Creates the unprivileged login user once; parallel test files may race here. */
export function ensureTestUser(): { name: string; uid: number; gid: number } {
  if (!IS_ROOT) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid };
  }
  for (let attempt = 0; attempt < 50 && !userExists(TEST_USER); attempt++) {
    try {
      run('useradd', ['-m', '-d', `/home/${TEST_USER}`, '-s', '/bin/sh', '-c', 'origin-setup tests', TEST_USER]);
    } catch {
      sleepSync(100); // another test file holds the passwd lock, or created it first
    }
  }
  // sshd (without PAM) refuses accounts whose password field starts with '!'.
  const shadow = run('getent', ['shadow', TEST_USER]).split(':')[1] ?? '';
  if (shadow.startsWith('!')) {
    try {
      run('usermod', ['-p', '*', TEST_USER]);
    } catch {
      sleepSync(200);
      run('usermod', ['-p', '*', TEST_USER]);
    }
  }
  const [, , uid, gid] = run('getent', ['passwd', TEST_USER]).split(':');
  return { name: TEST_USER, uid: Number(uid), gid: Number(gid) };
}

/** An SshLog that keeps every line, prefixed with its level ("verbose: …"). */
export function captureLog(): { log: { verbose(t: string): void; debug(t: string): void; info(t: string): void }; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: {
      verbose: (t) => lines.push(`verbose: ${t}`),
      debug: (t) => lines.push(`debug: ${t}`),
      info: (t) => lines.push(`info: ${t}`),
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A TCP server on 127.0.0.1 that accepts connections and never says a word (an SSH handshake that hangs). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export function sftpServerPath(): string {
  for (const p of ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/lib/ssh/sftp-server']) {
    if (existsSync(p)) return p;
  }
  throw new Error('no OpenSSH sftp-server binary found (install openssh-server)');
}

export function keygen(path: string, comment: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

export function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
}

/** All descendants of a process, children first found by scanning /proc. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [pid, ppid] of parent) {
      if (ppid === p) {
        out.push(pid);
        queue.push(pid);
      }
    }
  }
  return out;
}

/** Processes whose command line mentions the text (an sshd started with `-f <dir>/sshd_config`). */
export function processesUsing(text: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Running, not a zombie waiting for a parent that may never reap it. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

// The generic stand-in: one script, copied under each name. LC_ALL=C makes awk work on
// bytes, so any UTF-8 passes through unchanged and only \ TAB CR LF are escaped.
export function standInScript(dir: string): string {
  return `#!/bin/sh
# origin-setup test stand-in: records the call, then behaves as the test configured.
name=\${0##*/}
D='${dir}'
LC_ALL=C awk -v name="$name" -v logfile="$D/calls.log" '
function esc(s,   out, i, c) {
  out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\\\\") out = out "\\\\\\\\"
    else if (c == "\\n") out = out "\\\\n"
    else if (c == "\\t") out = out "\\\\t"
    else if (c == "\\r") out = out "\\\\r"
    else out = out c
  }
  return out
}
BEGIN {
  line = esc(name)
  for (i = 1; i < ARGC; i++) line = line "\\t" esc(ARGV[i])
  print line >> logfile
  exit 0
}' "$@"
cfg="$D/standin/$name"
if [ -f "$cfg.stdin" ] && [ ! -t 0 ]; then
  # One file per call, named so that sorting gives the call order.
  cat > "$D/stdin/$(date +%s%N).$$.$name"
fi
if [ "$name" = sudo ]; then
  mode=$(cat "$D/standin/sudo.mode" 2>/dev/null)
  nonint=
  while [ $# -gt 0 ]; do
    case $1 in
      --) shift; break ;;
      -n|--non-interactive) nonint=1; shift ;;
      -u|-g|-p|-C|-h|-U|-r|-t|-D|-R|-T) shift 2 ;;
      -*) shift ;;
      *) break ;;
    esac
  done
  case $mode in
    password)
      if [ -z "$nonint" ] && ! ( : </dev/tty ) 2>/dev/null; then
        echo "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper" >&2
      fi
      echo "sudo: a password is required" >&2
      exit 1 ;;
    requiretty)
      if ! ( : </dev/tty ) 2>/dev/null; then
        echo "sudo: sorry, you must have a tty to run sudo" >&2
        exit 1
      fi ;;
  esac
  [ $# -eq 0 ] && exit 0
  SUDO_USER=$(id -un); export SUDO_USER
  exec "$@"
fi
if [ -f "$cfg.sh" ]; then
  exec /bin/sh "$cfg.sh" "$@"
fi
[ -f "$cfg.out" ] && cat "$cfg.out"
[ -f "$cfg.err" ] && cat "$cfg.err" >&2
if [ -f "$cfg.exit" ]; then
  exit "$(cat "$cfg.exit")"
fi
real() { PATH='${ORIGINAL_PATH}' command -v "$1"; }
case $name in
  ps) exec "$(real ps)" "$@" ;;
  hostname) [ $# -eq 0 ] && exec "$(real hostname)" ;;
  install)
    # The login user cannot give files to root: install as the user, owner options dropped.
    first=1; skip=
    for a in "$@"; do
      if [ -n "$first" ]; then set --; first=; fi
      if [ -n "$skip" ]; then skip=; continue; fi
      case $a in
        -o|-g|--owner|--group) skip=1; continue ;;
        --owner=*|--group=*) continue ;;
      esac
      set -- "$@" "$a"
    done
    exec "$(real install)" "$@" ;;
esac
exit 0
`;
}

/** The ForceCommand wrapper of an instance (see the top of this file). */
export function sessionScript(dir: string, home: string): string {
  return `#!/bin/sh
# ForceCommand: the client's command, run by /bin/sh -c as sshd would, but with this
# instance's HOME as working directory and the stand-ins first on PATH.
HOME='${home}'; export HOME
PATH='${dir}/bin:${ORIGINAL_PATH}'; export PATH
cd "$HOME" || exit 1
if [ -z "\${SSH_ORIGINAL_COMMAND:-}" ]; then exec /bin/sh -l; fi
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
`;
}

function launchScript(dir: string, config: string): string {
  return `#!/bin/sh
# Runs inside private mount and UTS namespaces: /etc becomes a per-instance overlay in
# which os-release and redhat-release point into the instance directory.
D='${dir}'
if mount -t overlay overlay -o "lowerdir=/etc,upperdir=$D/etc-upper,workdir=$D/etc-work" /etc 2>"$D/mount.err"; then
  echo overlay > "$D/etc-mode"
else
  # No overlayfs: a tmpfs /etc of symlinks into the real one.
  mkdir -p "$D/etc-real" && mount --bind /etc "$D/etc-real" && mount -t tmpfs -o mode=0755 tmpfs /etc || exit 97
  for f in "$D"/etc-real/* "$D"/etc-real/.[!.]*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    ln -s "$f" /etc/
  done
  echo tmpfs > "$D/etc-mode"
fi
rm -f /etc/os-release /etc/redhat-release
ln -s "$D/os/os-release" /etc/os-release
ln -s "$D/os/redhat-release" /etc/redhat-release
exec ${SSHD} -D -f '${config}' -E "$D/sshd.log"
`;
}

// ---------------------------------------------------------------------------------
// Pieces of one sshd instance, shared with puppet-hosts.ts.

/** A file's text, or '' while it does not exist. */
export function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export function killAllSync(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Signals every pid, then waits (up to ms, looking every pollMs) until none is alive; true when all are gone. */
export async function killAndWait(pids: number[], signal: NodeJS.Signals, ms: number, pollMs = 50): Promise<boolean> {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await sleep(pollMs);
  return !pids.some(alive);
}

/**
 * Test workers are often killed rather than exiting, so their exit hook never runs:
 * each start removes what workers that are gone left behind in tmpdir (`<prefix><pid>-…`,
 * their pid is in the name), after kill(dir) has ended what still runs from there.
 */
export function removeStaleScratch(prefix: string, kill: (dir: string) => void): void {
  const pattern = new RegExp(`^${prefix}(\\d+)-`);
  for (const entry of readdirSync(tmpdir())) {
    const m = pattern.exec(entry);
    if (!m || Number(m[1]) === process.pid || existsSync(`/proc/${m[1]}`)) continue;
    const dir = join(tmpdir(), entry);
    kill(dir);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another worker is removing it too
    }
  }
}

/** A fresh scratch HOME for a client (`<prefix><pid>-home-…` in tmpdir). */
export function scratchHome(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-home-`));
}

export interface InstanceDirs {
  dir: string;
  /** The login's HOME (owned by the login user). */
  remoteHome: string;
  /** The stand-ins, first on the sessions' PATH. */
  binDir: string;
  /** What the test configured for each stand-in. */
  cfgDir: string;
}

/**
 * A fresh instance directory `<prefix><pid>-…` in tmpdir (0755) with home/, bin/ and
 * standin/ (0755), keys/ (0700), stdin/ (the login user's) and the subdirectories named in
 * `more` (0755).
 */
export function instanceDirs(prefix: string, account: { uid: number; gid: number }, more: string[] = []): InstanceDirs {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  chmodSync(dir, 0o755);
  const remoteHome = join(dir, 'home');
  const binDir = join(dir, 'bin');
  const cfgDir = join(dir, 'standin');
  const extra = more.map((d) => join(dir, d));
  for (const d of [remoteHome, binDir, cfgDir, join(dir, 'keys'), join(dir, 'stdin'), ...extra]) mkdirSync(d, { recursive: true });
  chmodSync(join(dir, 'keys'), 0o700);
  for (const d of [binDir, cfgDir, ...extra]) chmodSync(d, 0o755);
  chownSync(remoteHome, account.uid, account.gid);
  chownSync(join(dir, 'stdin'), account.uid, account.gid);
  return { dir, remoteHome, binDir, cfgDir };
}

export interface InstanceKeys {
  hostKey: string;
  userKeyPath: string;
  /** Holds the user key's public half. */
  authorizedKeys: string;
}

/** A new host key (with this comment) and user key under DIR/keys, the user key authorized. */
export function instanceKeys(dir: string, hostComment: string): InstanceKeys {
  const hostKey = join(dir, 'keys', 'host_ed25519');
  const userKeyPath = join(dir, 'keys', 'user_ed25519');
  keygen(hostKey, hostComment);
  keygen(userKeyPath, 'origin-setup-test-user');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${userKeyPath}.pub`));
  chmodSync(authorizedKeys, 0o644);
  return { hostKey, userKeyPath, authorizedKeys };
}

/** `ssh-ed25519 AAAA…` of a key pair. */
export function publicKeyOf(privateKeyPath: string): string {
  return readFileSync(`${privateKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * An empty DIR/calls.log (0666) and the generic stand-in script DIR/standin.sh; returns
 * the log's path and a function that puts that script into binDir under a name.
 */
export function standInInstaller(dir: string, binDir: string): { callLog: string; addStandIn: (name: string) => void } {
  const callLog = join(dir, 'calls.log');
  writeFileSync(callLog, '');
  chmodSync(callLog, 0o666);
  const standInPath = join(dir, 'standin.sh');
  writeFileSync(standInPath, standInScript(dir), { mode: 0o755 });
  const addStandIn = (name: string) => {
    if (!/^[A-Za-z0-9_.+-]+$/.test(name)) throw new Error(`bad stand-in name ${name}`);
    const p = join(binDir, name);
    if (!existsSync(p)) {
      copyFileSync(standInPath, p);
      chmodSync(p, 0o755);
    }
  };
  return { callLog, addStandIn };
}

/** Configures a stand-in in cfgDir after removing the files with the extensions in `clear`. */
export function configureStandIn(cfgDir: string, name: string, b: StandInBehaviour, clear: readonly string[]): void {
  for (const ext of clear) rmSync(join(cfgDir, `${name}.${ext}`), { force: true });
  if (b.stdout !== undefined) writeFileSync(join(cfgDir, `${name}.out`), b.stdout);
  if (b.stderr !== undefined) writeFileSync(join(cfgDir, `${name}.err`), b.stderr);
  if (b.exit !== undefined) writeFileSync(join(cfgDir, `${name}.exit`), String(b.exit));
  if (b.script !== undefined) writeFileSync(join(cfgDir, `${name}.sh`), b.script);
  if (b.captureStdin) writeFileSync(join(cfgDir, `${name}.stdin`), '');
}

/** The stand-in calls recorded in DIR/calls.log, with what the capturing ones read on stdin. */
export function standInCalls(dir: string): StandInCall[] {
  const cfgDir = join(dir, 'standin');
  const stdins = new Map<string, string[]>();
  const stdinDir = join(dir, 'stdin');
  const files = readdirSync(stdinDir).sort((a, b) => {
    const [ta, pa] = a.split('.');
    const [tb, pb] = b.split('.');
    return BigInt(ta!) === BigInt(tb!) ? Number(pa) - Number(pb) : BigInt(ta!) < BigInt(tb!) ? -1 : 1;
  });
  for (const f of files) {
    const name = f.split('.').slice(2).join('.');
    if (!stdins.has(name)) stdins.set(name, []);
    stdins.get(name)!.push(readFileSync(join(stdinDir, f), 'utf8'));
  }
  return readFileSync(join(dir, 'calls.log'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [name, ...args] = line.split('\t').map(unescapeField);
      const call: StandInCall = { name: name!, args };
      if (existsSync(join(cfgDir, `${name}.stdin`))) {
        const stdin = stdins.get(name!)?.shift();
        if (stdin !== undefined) call.stdin = stdin;
      }
      return call;
    });
}

/** Forgets the recorded calls (and what they read on stdin). */
export function clearStandInCalls(dir: string): void {
  writeFileSync(join(dir, 'calls.log'), '');
  for (const f of readdirSync(join(dir, 'stdin'))) rmSync(join(dir, 'stdin', f), { force: true });
}

export interface SshdConfigSpec {
  port: number;
  hostKey: string;
  authorizedKeys: string;
  /** PermitRootLogin's value. */
  permitRootLogin: string;
  allowUsers: string[];
  /** The ForceCommand wrapper. */
  session: string;
  /** The sftp-server binary (sftpServerPath()). */
  sftp: string;
  /** Lines after the common ones (a Match block). */
  extra?: string[];
  /** LogLevel (default VERBOSE). */
  logLevel?: string;
}

/** sshd_config of a test sshd: 127.0.0.1 only, public keys only, every session through the wrapper. */
export function sshdConfig(c: SshdConfigSpec): string {
  return [
    `Port ${c.port}`,
    'ListenAddress 127.0.0.1',
    'AddressFamily inet',
    `HostKey ${c.hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${c.authorizedKeys}`,
    // The instance directory lives under /tmp (world-writable): StrictModes would refuse it.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    `PermitRootLogin ${c.permitRootLogin}`,
    `AllowUsers ${c.allowUsers.join(' ')}`,
    `ForceCommand exec ${c.session}`,
    `Subsystem sftp ${c.sftp}`,
    `LogLevel ${c.logLevel ?? 'VERBOSE'}`,
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 100:30:200',
    'MaxSessions 64',
    'MaxAuthTries 10',
    ...(c.extra ?? []),
    '',
  ].join('\n');
}

/**
 * Spawns `command args` (an sshd, or a script that execs one) and waits up to 15 s until
 * its log (the file at logPath) says it listens on port; onSpawn sees the child at once.
 * On failure the child is killed and the error names `what` (if given), stderr and the log.
 */
export async function spawnSshd(
  command: string,
  args: string[],
  o: { port: number; logPath: string; what?: string; onSpawn?: (c: ChildProcess) => void },
): Promise<ChildProcess> {
  const startOffset = readIfExists(o.logPath).length;
  let err = '';
  const c = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderr.on('data', (d) => (err += d));
  let exited = false;
  c.on('exit', () => (exited = true));
  o.onSpawn?.(c);
  const deadline = Date.now() + 15_000;
  const ready = `Server listening on 127.0.0.1 port ${o.port}`;
  const log = () => readIfExists(o.logPath).slice(startOffset);
  while (Date.now() < deadline) {
    if (log().includes(ready)) return c;
    if (exited) break;
    await sleep(20);
  }
  c.kill('SIGKILL');
  throw new Error(`${o.what ? `${o.what}: ` : ''}sshd did not start on 127.0.0.1:${o.port}: ${err.trim()} ${log().trim()}`);
}

/** launch(port) on a free port; again on a new one (5 tries) when another process took it between the probe and sshd's bind. */
export async function onFreePort<T>(launch: (port: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launch(port);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** A client's ~/.ssh/config Host block (without the blank line after it) mapping names to 127.0.0.1:port. */
export function sshHostBlock(names: string[], port: number, user: string | null, identityFile: string | null, extra?: string): string[] {
  return [
    `Host ${names.join(' ')}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    ...(user ? [`  User ${user}`] : []),
    ...(identityFile ? [`  IdentityFile ${identityFile}`] : []),
    ...(extra ? [extra] : []),
  ];
}

/** Writes HOME/.ssh/config and appends to HOME/.ssh/known_hosts (unless knownHosts is null). */
export function writeClientSsh(home: string, config: string, knownHosts: string | null): void {
  const sshDir = join(home, '.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(sshDir, 'config'), config, { mode: 0o600 });
  if (knownHosts !== null) appendFileSync(join(sshDir, 'known_hosts'), knownHosts, { mode: 0o600 });
}

const live = new Set<ChildProcess>();
/** Instance directories and client homes, removed when the test process exits. */
const scratch = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed or interrupted test file must not leave sshd listening (nor /tmp full of keys).
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid === undefined) continue;
      killAllSync(descendants(child.pid));
      child.kill('SIGKILL');
    }
    for (const dir of scratch) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // still in use by a process that outlived us
      }
    }
  });
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (.ci/run does)`);
  installExitHook();
  const account = ensureTestUser();
  // An sshd whose worker was killed outlives it: end it (and its sessions) first.
  removeStaleScratch(SCRATCH_PREFIX, (dir) => {
    for (const pid of processesUsing(`${dir}/sshd_config`)) killAllSync([...descendants(pid), pid]);
  });
  const { dir, remoteHome, binDir, cfgDir } = instanceDirs(SCRATCH_PREFIX, account, ['os']);
  scratch.add(dir);
  const osDir = join(dir, 'os');
  for (const d of ['etc-upper', 'etc-work']) mkdirSync(join(dir, d));
  chmodSync(remoteHome, 0o755);

  const { hostKey, userKeyPath, authorizedKeys } = instanceKeys(dir, 'origin-setup-test-host');

  const { callLog, addStandIn } = standInInstaller(dir, binDir);
  chownSync(callLog, account.uid, account.gid);
  const names = new Set<string>([...STAND_INS, ...(options.standIns ?? [])]);
  names.forEach(addStandIn);
  // These read their input on stdin: keep it for the test.
  for (const name of ['augtool', 'patch']) writeFileSync(join(cfgDir, `${name}.stdin`), '');

  const session = join(dir, 'session');
  writeFileSync(session, sessionScript(dir, remoteHome), { mode: 0o755 });

  const canFakeRelease = IS_ROOT;
  const setRelease = (osRelease: string | null, redhatRelease: string | null) => {
    const write = (file: string, text: string | null) => {
      const p = join(osDir, file);
      if (text === null) rmSync(p, { force: true });
      else writeFileSync(p, text, { mode: 0o644 });
    };
    write('os-release', osRelease);
    write('redhat-release', redhatRelease);
  };
  if (options.distribution) {
    const d = DISTRIBUTIONS[options.distribution];
    if (!d) throw new Error(`unknown distribution ${options.distribution}`);
    setRelease(d.osRelease, d.redhatRelease);
  } else {
    const own = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : null);
    setRelease(own('/etc/os-release'), own('/etc/redhat-release'));
  }

  if (IS_ROOT) {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  }
  const users = [account.name, ...(options.permitRoot && IS_ROOT ? ['root'] : [])];
  const configPath = join(dir, 'sshd_config');
  const launchPath = join(dir, 'launch.sh');
  const sftp = sftpServerPath();
  let port = 0;
  const writeConfig = () => {
    writeFileSync(
      configPath,
      sshdConfig({
        port,
        hostKey,
        authorizedKeys,
        permitRootLogin: options.permitRoot ? 'prohibit-password' : 'no',
        allowUsers: users,
        session,
        sftp,
        logLevel: options.logLevel,
        extra: options.rootLoginMessage
          ? ['Match User root', `  ForceCommand echo 'Please login as the user "${account.name}" rather than the user "root".'; echo; exit 142`]
          : [],
      }),
    );
    writeFileSync(launchPath, launchScript(dir, configPath), { mode: 0o755 });
  };

  let child: ChildProcess | undefined;
  const logPath = join(dir, 'sshd.log');
  const sshdLog = () => readIfExists(logPath);

  const launch = async (): Promise<void> => {
    writeConfig();
    await spawnSshd(
      IS_ROOT ? 'unshare' : SSHD,
      IS_ROOT ? ['-m', '-u', '--propagation', 'private', '/bin/sh', launchPath] : ['-D', '-f', configPath, '-E', logPath],
      {
        port,
        logPath,
        onSpawn: (c) => {
          c.on('exit', () => live.delete(c));
          live.add(c);
          child = c;
        },
      },
    );
  };

  const running = () => Boolean(child?.pid && child.exitCode === null && child.signalCode === null);

  // Idempotent: a second start() while sshd runs would orphan the first process.
  const start = async () => {
    if (running()) return;
    if (port) return launch();
    return onFreePort((p) => {
      port = p;
      return launch();
    });
  };

  const dropConnections = async () => {
    if (!child?.pid) return 0;
    const pids = descendants(child.pid);
    await killAndWait(pids, 'SIGKILL', 5000, 10);
    return pids.length;
  };

  const stop = async () => {
    const c = child;
    if (!running() || !c) return;
    await dropConnections();
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  };

  const stopListening = async () => {
    const c = child;
    if (!running() || !c) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM'); // sshd's listener ends alone: sessions outlive it, as under KillMode=process
    await gone;
  };

  await start();
  const hostPublicKey = () => publicKeyOf(hostKey);
  const hosts = options.hosts ?? ['testhost', 'fedora19.test', 'ubuntu2204.test'];

  const sshd: Sshd = {
    get port() {
      return port;
    },
    dir,
    user: account.name,
    remoteHome,
    hosts,
    userKeyPath,
    get hostPublicKey() {
      return hostPublicKey();
    },
    canFakeRelease,
    hostKeyLine: (name = `[127.0.0.1]:${port}`) => `${name} ${hostPublicKey()}`,
    clientHome(o: ClientHomeOptions = {}) {
      let home = o.home;
      if (!home) {
        home = scratchHome(SCRATCH_PREFIX);
        scratch.add(home);
      }
      const user = o.user === undefined ? account.name : o.user;
      const identity = o.identityFile === undefined ? userKeyPath : o.identityFile;
      const lines = [...sshHostBlock(o.hosts ?? hosts, port, user, identity, o.hostExtra), '', ...(o.configExtra ? [o.configExtra, ''] : [])];
      writeClientSsh(home, lines.join('\n'), o.knownHosts !== false ? `${sshd.hostKeyLine()}\n` : null);
      return home;
    },
    env(base, o = {}) {
      if (!base.HOME) throw new Error('env(base): base.HOME is not set (use testEnv())');
      sshd.clientHome({ ...o, home: base.HOME });
      return base;
    },
    settings(home, overrides = {}) {
      return {
        strictHostKeys: false,
        home,
        env: {},
        dryRun: false,
        timeScale: 1,
        connectTimeoutSeconds: 10,
        ...overrides,
      };
    },
    newKey(name) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad key name ${name}`);
      const p = join(dir, 'keys', name);
      keygen(p, `origin-setup-test-${name}`);
      return p;
    },
    authorize(privateKeyPath) {
      appendFileSync(authorizedKeys, readFileSync(`${privateKeyPath}.pub`));
    },
    readCallLog: () => readFileSync(join(dir, 'calls.log'), 'utf8'),
    calls: () => standInCalls(dir),
    clearCalls: () => clearStandInCalls(dir),
    standIn(name, b) {
      addStandIn(name);
      // A stand-in that captures stdin keeps doing so (augtool and patch always do).
      configureStandIn(cfgDir, name, b, ['out', 'err', 'exit', 'sh']);
    },
    resetStandIns() {
      for (const f of readdirSync(cfgDir)) {
        if (f.endsWith('.stdin') && (f === 'augtool.stdin' || f === 'patch.stdin')) continue;
        rmSync(join(cfgDir, f), { force: true });
      }
      sshd.clearCalls();
    },
    sudoMode(mode) {
      writeFileSync(join(cfgDir, 'sudo.mode'), mode);
    },
    withOsRelease(osRelease, redhatRelease = null) {
      if (!canFakeRelease) {
        throw new Error('withOsRelease needs root (sshd runs in a private mount namespace); run the suite as root, as CI does');
      }
      setRelease(osRelease, redhatRelease);
    },
    withDistribution(key) {
      const d = DISTRIBUTIONS[key];
      if (!d) throw new Error(`unknown distribution ${key}; known: ${Object.keys(DISTRIBUTIONS).join(', ')}`);
      sshd.withOsRelease(d.osRelease, d.redhatRelease);
    },
    dropConnections,
    logins: () =>
      sshdLog()
        .split('\n')
        .filter((l) => l.includes('Accepted publickey for')).length,
    sshdLog,
    async rotateHostKey() {
      await stop();
      keygen(hostKey, 'origin-setup-test-host-rotated');
      await start();
    },
    stop,
    stopListening,
    start,
    async restart() {
      await stop();
      await start();
    },
  };
  return sshd;
}
