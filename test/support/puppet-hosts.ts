// "Real" Puppet hosts for tests: one OpenSSH sshd per host name, each in its own private
// mount and UTS namespaces, where root, sudo, Puppet and puppetserver are the machine's
// real ones (Debian 12's puppet-agent 7.23 and puppetserver 7.9.5) but every change
// stays private to that host and is thrown away at the end.
//
// API
//   REAL_PUPPET: { available: boolean; why?: string }
//     false (with the reason) when not root, no unshare/nsenter/overlayfs, or
//     /usr/bin/puppetserver, /usr/bin/puppet, sudo or sshd are missing. Tests use
//     `describe.skipIf(!REAL_PUPPET.available)` and print REAL_PUPPET.why.
//   startPuppetHosts(names: string[], opts?: PuppetHostsOptions): Promise<PuppetHosts>
//     PuppetHostsOptions: { master?: string (default names[0]: the host whose
//       webserver.conf listens on masterPort); puppetConf?: Record<string,string> (extra
//       [main] settings on every host, e.g. { server: 'puppet.example.test' });
//       javaArgs?: string (puppetserver's JAVA_ARGS in the master's /etc/default/puppetserver);
//       standIns?: string[] (more stand-in names); readyTimeoutSeconds?: number (150) }
//     PuppetHosts: { hosts: PuppetHost[]; host(name): PuppetHost; masterPort: number;
//       env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv (writes base.HOME/.ssh/config and
//       known_hosts: each name → 127.0.0.1, its own sshd's port, user origintest, the
//       test key); clientHome(home?): string; stop(): Promise<void> }
//   PuppetHost: { name; port; user; userKeyPath; dir; remoteHome; hostPublicKey;
//     hostKeyLine(name?); exec(command, { timeoutMs? }) → { code, stdout, stderr } as root
//     inside the host's namespaces (real PATH, no stand-ins); calls(); clearCalls();
//     standIn(name, behaviour); resetStandIns(); puppetserverPid(): number | undefined;
//     puppetserverLog(): string; agentPid(): number | undefined; agentLog(): string;
//     sshdLog(); stop() }
//
// Inside each host (sshd runs under `unshare --mount --uts --propagation private`):
// - /etc and /var are overlays of the machine's (upper/work dirs in the instance dir),
//   /run is a fresh tmpfs: writes to /etc/puppet, /var/lib/puppet/ssl, /var/lib/puppetserver
//   … are real for that host only. The machine's own /etc and /var are never written.
// - The UTS hostname (and /etc/hostname) is the host's FQDN, so facter's fqdn and
//   Puppet's default certname are that name. /etc/hosts maps every name of the set
//   to 127.0.0.1 (and nothing else: Puppet's default server `puppet` does not resolve).
// - The login user `origintest` has REAL sudo: /etc/sudoers.d/origintest (NOPASSWD,
//   secure_path with the stand-in bin dir first). install, chown, mkdir, usermod, git,
//   puppet, puppetserver, dpkg-query … are the real ones.
// - Stand-ins (recorded like sshd.ts's, configurable with standIn()) exist only for
//   package managers (dnf yum apt-get apt apt-cache dpkg rpm yum-config-manager),
//   service control (systemctl service chkconfig update-rc.d), firewalls (firewall-cmd
//   lokkit iptables ufw), hostnamectl timedatectl setenforce getenforce, reboot shutdown.
// - systemctl/service keep a little unit state (enable/disable/is-enabled, start/stop/
//   is-active answer from files under units/), except for puppetserver, which is REAL:
//   `systemctl start|restart puppetserver` (or `service puppetserver start`, or
//   `systemctl enable --now puppetserver`) starts the JVM inside the host's namespaces
//   as user puppet (setsid, log in <dir>/puppetserver.log) the way the unit does, and
//   returns once the unit's restart-file reads 1 (exit 1 with the log tail when it dies
//   or after readyTimeoutSeconds). is-active/status answer from the process; stop stops it.
//   Root only, like the real systemctl ("Interactive authentication required" otherwise).
// - The agent service `puppet` is REAL too: `systemctl start|restart puppet` (or enable
//   --now, or `service puppet start`) runs what Debian's puppet.service runs, `puppet agent
//   $PUPPET_EXTRA_OPTS --no-daemonize` as root with /etc/default/puppet (and
//   /etc/sysconfig/puppet*) as environment, detached (setsid), plus `--logdest console`
//   into <dir>/puppet-agent.log in place of the journal. Its first start makes the real
//   CSR; it runs until `systemctl stop puppet` (TERM), stop() or the process exit.
//   is-active/status answer from the process (failed when it exited at once); reload
//   sends HUP. A test may put PUPPET_EXTRA_OPTS="--waitforcert 5" into the agent host's
//   /etc/default/puppet (host configuration) so the daemon asks for its certificate
//   every 5 s instead of every 2 minutes.
// - puppetserver listens on 127.0.0.1:masterPort (a free port, never 8140): the master's
//   webserver.conf says so, and `serverport = masterPort` is in [main] of every host's
//   /etc/puppet/puppet.conf. JAVA_ARGS is -Xms256m -Xmx512m, jruby max-active-instances 1,
//   Jetty's idle timeout 5 s (on a reused keep-alive connection the agent's certificate
//   GET after its CSR PUT otherwise stalls for the default 30 s). No `server` is set
//   unless opts.puppetConf says so, and `puppet` does not resolve: the tool must say it.
//   Start-up takes 30–40 s on two idle cores, up to ~90 s when the machine is loaded.
// - Cleanup: stop() kills the agent daemon (its argv[0] is <dir>/puppet-agent, pid in
//   <dir>/puppet-agent.pid) and the JVM (pid in <dir>/puppetserver.pid), then sshd; the process
//   exit hook does the same; a watchdog in each namespace kills them all when the test
//   process disappears (a killed worker), and the next start removes what dead workers
//   left in /tmp (origin-puppet-<pid>-*).
//
// From a test that runs the CLI:
//   const set = await startPuppetHosts(['puppet.example.test', 'agent1.example.test']);
//   const env = set.env(testEnv());           // HOME/.ssh/config maps both names
//   const r = await runCli(['origin:puppetmaster', 'puppet.example.test'], env);
//   expect((await set.host('puppet.example.test').exec('cat /etc/puppet/puppet.conf')).stdout)…
//   await set.stop();                         // in afterAll
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alive,
  descendants,
  ensureTestUser,
  freePort,
  keygen,
  processesUsing,
  sftpServerPath,
  standInScript,
  unescapeField,
  TEST_USER,
  type StandInBehaviour,
  type StandInCall,
} from './sshd.js';

export type { StandInBehaviour, StandInCall } from './sshd.js';

const SSHD = '/usr/sbin/sshd';
const ORIGINAL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PREFIX = 'origin-puppet-';

/** The stand-ins every Puppet host has (everything else is real). */
export const PUPPET_HOST_STAND_INS = [
  'dnf', 'yum', 'apt-get', 'apt', 'apt-cache', 'dpkg', 'rpm', 'yum-config-manager',
  'systemctl', 'service', 'chkconfig', 'update-rc.d',
  'firewall-cmd', 'lokkit', 'iptables', 'ufw',
  'hostnamectl', 'timedatectl', 'setenforce', 'getenforce',
  'reboot', 'shutdown',
] as const;

export const DEFAULT_JAVA_ARGS = '-Xms256m -Xmx512m -Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger';

function probeAvailability(): { available: boolean; why?: string } {
  if (process.platform !== 'linux') return { available: false, why: 'real Puppet hosts need Linux namespaces' };
  if (process.getuid?.() !== 0) return { available: false, why: 'real Puppet hosts need root (unshare, overlay mounts, sudo); run the suite as root, as CI does' };
  for (const [p, what] of [
    ['/usr/bin/puppetserver', 'puppetserver (apt-get install puppetserver; .ci/run does)'],
    ['/usr/bin/puppet', 'puppet (apt-get install puppet-agent)'],
    ['/usr/bin/sudo', 'sudo'],
    [SSHD, 'openssh-server'],
    ['/usr/bin/unshare', 'unshare (util-linux)'],
    ['/usr/bin/nsenter', 'nsenter (util-linux)'],
    ['/usr/bin/setpriv', 'setpriv (util-linux)'],
    ['/usr/bin/java', 'java (a dependency of puppetserver)'],
  ] as const) {
    if (!existsSync(p)) return { available: false, why: `${p} is missing: install ${what}` };
  }
  try {
    if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
      // The module may load on first mount; try one.
      const d = mkdtempSync(join(tmpdir(), `${PREFIX}probe-`));
      try {
        for (const s of ['l', 'u', 'w', 'm']) mkdirSync(join(d, s));
        execFileSync('unshare', ['-m', '--propagation', 'private', 'mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${d}/l,upperdir=${d}/u,workdir=${d}/w`, `${d}/m`], { stdio: 'ignore' });
      } finally {
        rmSync(d, { recursive: true, force: true });
      }
    } else {
      execFileSync('unshare', ['-m', '-u', '--propagation', 'private', 'true'], { stdio: 'ignore' });
    }
  } catch (e) {
    return { available: false, why: `no private mount/UTS namespaces or overlayfs here: ${(e as Error).message.split('\n')[0]}` };
  }
  return { available: true };
}

export const REAL_PUPPET: { available: boolean; why?: string } = probeAvailability();

export interface PuppetHostsOptions {
  /** The host that runs puppetserver (its webserver.conf listens on masterPort). Default: names[0]. */
  master?: string;
  /** Extra settings for [main] of every host's /etc/puppet/puppet.conf (serverport is always set). */
  puppetConf?: Record<string, string>;
  /** JAVA_ARGS in the master's /etc/default/puppetserver. */
  javaArgs?: string;
  /** More stand-in names (recorded and configurable). */
  standIns?: string[];
  /** How long `systemctl start puppetserver` waits for readiness (default 150 s). */
  readyTimeoutSeconds?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PuppetHost {
  /** FQDN, also the UTS hostname inside the host. */
  readonly name: string;
  /** This host's sshd (127.0.0.1). */
  readonly port: number;
  readonly user: string;
  readonly userKeyPath: string;
  /** The instance directory (keys, configs, logs, stand-ins, overlay upper dirs). */
  readonly dir: string;
  /** The login's HOME and working directory in every session. */
  readonly remoteHome: string;
  /** `ssh-ed25519 AAAA…` */
  readonly hostPublicKey: string;
  /** A known_hosts line (default name `[127.0.0.1]:PORT`). */
  hostKeyLine(name?: string): string;
  /** Runs a command with /bin/sh -c as root inside this host's namespaces (real PATH, no stand-ins). */
  exec(command: string, o?: { timeoutMs?: number }): Promise<ExecResult>;
  /** The stand-in calls recorded since the last clearCalls(). */
  calls(): StandInCall[];
  clearCalls(): void;
  /** Configures a stand-in (creating it if needed); a systemctl/service script replaces the built-in unit handling. */
  standIn(name: string, behaviour: StandInBehaviour): void;
  /** Back to the built-in stand-in behaviour, calls forgotten (unit state and puppetserver untouched). */
  resetStandIns(): void;
  /** The running puppetserver JVM, if any. */
  puppetserverPid(): number | undefined;
  /** The running agent daemon (`systemctl start puppet`), if any. */
  agentPid(): number | undefined;
  /** The agent daemon's output (every start appends). */
  agentLog(): string;
  /** puppetserver's stdout/stderr (every start appends). */
  puppetserverLog(): string;
  sshdLog(): string;
  stop(): Promise<void>;
}

export interface PuppetHosts {
  readonly hosts: PuppetHost[];
  host(name: string): PuppetHost;
  /** The port puppetserver listens on (127.0.0.1), and every host's serverport. */
  readonly masterPort: number;
  /** Writes HOME/.ssh/config (a Host block per name) and known_hosts into a HOME (a fresh one by default). */
  clientHome(home?: string): string;
  /** clientHome(base.HOME) and returns base: `hosts.env(testEnv())` is what runCli needs. */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------
// Cleanup: live JVMs and sshds of this process, and what dead workers left behind.

interface Tracked {
  dir: string;
  sshd?: ChildProcess;
}
const tracked = new Set<Tracked>();
let exitHookInstalled = false;

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The JVM of an instance, only if that pid still is that instance's java. */
function jvmPid(dir: string): number | undefined {
  const pid = readPid(join(dir, 'puppetserver.pid'));
  if (pid === undefined || !alive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`-Dorigin.harness=${dir}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function killAllSync(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The agent daemon of an instance, only if that pid still is that instance's agent. */
function agentPid(dir: string): number | undefined {
  const pid = readPid(join(dir, 'puppet-agent.pid'));
  if (pid === undefined || !alive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(`${join(dir, 'puppet-agent')}\0`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Everything whose command line names the instance directory (sshd -f DIR/…, java -Dorigin.harness=DIR), with descendants. */
function instanceProcesses(dir: string): number[] {
  const roots = processesUsing(dir).filter((p) => p !== process.pid);
  return [...new Set(roots.flatMap((p) => [...descendants(p), p]))];
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const t of tracked) {
      killAllSync(instanceProcesses(t.dir));
      if (t.sshd?.pid) killAllSync([...descendants(t.sshd.pid), t.sshd.pid]);
      try {
        rmSync(t.dir, { recursive: true, force: true });
      } catch {
        // still in use
      }
    }
  });
}

function removeStale(): void {
  for (const entry of readdirSync(tmpdir())) {
    const m = /^origin-puppet-(\d+)-/.exec(entry);
    if (!m || Number(m[1]) === process.pid || existsSync(`/proc/${m[1]}`)) continue;
    const dir = join(tmpdir(), entry);
    killAllSync(instanceProcesses(dir));
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another worker is removing it too
    }
  }
}

// ---------------------------------------------------------------------------------
// Scripts.

function sessionScript(dir: string, home: string): string {
  return `#!/bin/sh
# ForceCommand: the client's command by /bin/sh -c, HOME in the instance, stand-ins first on PATH.
HOME='${home}'; export HOME
PATH='${dir}/bin:${ORIGINAL_PATH}'; export PATH
cd "$HOME" || exit 1
if [ -z "\${SSH_ORIGINAL_COMMAND:-}" ]; then exec /bin/sh -l; fi
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
`;
}

interface LaunchSpec {
  dir: string;
  name: string;
  names: string[];
  isMaster: boolean;
  masterPort: number;
  puppetConf: Record<string, string>;
  javaArgs: string;
  user: string;
  config: string;
}

function launchScript(s: LaunchSpec): string {
  const D = s.dir;
  const hosts = ['127.0.0.1 localhost', ...s.names.map((n) => `127.0.0.1 ${n} ${n.split('.')[0]}`), '::1 localhost ip6-localhost ip6-loopback', ''].join('\n');
  const mainSettings = [`serverport = ${s.masterPort}`, ...Object.entries(s.puppetConf).map(([k, v]) => `${k} = ${v}`)].join('\n');
  const master = s.isMaster
    ? `
# puppetserver on 127.0.0.1 at the test's free port, with a small JVM and one JRuby.
cat > /etc/puppet/puppetserver/conf.d/webserver.conf <<'EOF_WS'
webserver: {
    access-log-config: /etc/puppet/puppetserver/request-logging.xml
    client-auth: want
    ssl-host: 127.0.0.1
    ssl-port: ${s.masterPort}
    idle-timeout-milliseconds: 5000
}
EOF_WS
sed -i 's/^\\( *\\)#\\{0,1\\} *max-active-instances:.*/\\1max-active-instances: 1/' /etc/puppet/puppetserver/conf.d/puppetserver.conf
sed -i 's|^JAVA_ARGS=.*|JAVA_ARGS="${s.javaArgs}"|' /etc/default/puppetserver
`
    : '';
  return `#!/bin/sh
# Runs inside private mount and UTS namespaces: /etc and /var become overlays, /run a tmpfs.
set -e
D='${D}'
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$D/etc-upper,workdir=$D/etc-work" /etc
mount -t overlay overlay -o "lowerdir=/var,upperdir=$D/var-upper,workdir=$D/var-work" /var
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/sshd /run/lock /run/user && chmod 1777 /run/lock
hostname '${s.name}'
echo '${s.name}' > /etc/hostname
cat > /etc/hosts <<'EOF_HOSTS'
${hosts}EOF_HOSTS
cat > /etc/sudoers.d/${s.user} <<'EOF_SUDO'
Defaults:${s.user} secure_path="${D}/bin:${ORIGINAL_PATH}"
Defaults:${s.user} !requiretty
${s.user} ALL=(ALL:ALL) NOPASSWD: ALL
EOF_SUDO
chmod 0440 /etc/sudoers.d/${s.user}
printf '\\n[main]\\n%s\\n' ${shq(mainSettings)} >> /etc/puppet/puppet.conf
${master}
# A killed test process cannot run its exit hook: take sshd and puppetserver down with it.
WATCH=${process.pid}
SELF=$$
(
  trap '' HUP
  while [ -d /proc/$WATCH ]; do sleep 2; done
  p=$(cat "$D/puppetserver.pid" 2>/dev/null) && [ -n "$p" ] && kill -9 "$p" 2>/dev/null
  p=$(cat "$D/puppet-agent.pid" 2>/dev/null) && [ -n "$p" ] && kill -9 "$p" 2>/dev/null
  kill -9 $SELF 2>/dev/null
) </dev/null >/dev/null 2>&1 &
exec ${SSHD} -D -f '${s.config}' -E "$D/sshd.log"
`;
}

/** The real puppetserver service, as the systemd unit runs it. Runs as root inside the host. */
function puppetserverCtl(dir: string, readySeconds: number): string {
  return `#!/bin/sh
# puppetserver-ctl ACTION: start | stop | restart | is-active | status (the unit, for real).
D='${dir}'
PIDF="$D/puppetserver.pid"
LOG="$D/puppetserver.log"
RF=/run/puppetserver/restart
pid_alive() {
  p=$(cat "$PIDF" 2>/dev/null) || return 1
  [ -n "$p" ] && [ -r "/proc/$p/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
  [ "$st" != Z ] || return 1
  tr '\\0' ' ' < "/proc/$p/cmdline" | grep -q -- "-Dorigin.harness=$D" || return 1
  echo "$p"
}
ready() { [ "$(head -c1 "$RF" 2>/dev/null)" = 1 ]; }
state() {
  if pid_alive >/dev/null; then
    if ready; then echo active; else echo activating; fi
  elif [ -e "$D/puppetserver.failed" ]; then echo failed
  else echo inactive; fi
}
need_root() {
  [ "$(id -u)" = 0 ] && return 0
  echo "Failed to $1 puppetserver.service: Interactive authentication required." >&2
  echo "See system logs and 'systemctl status puppetserver.service' for details." >&2
  exit 1
}
do_stop() {
  p=$(pid_alive) || { rm -f "$PIDF"; return 0; }
  kill -TERM "$p" 2>/dev/null
  i=0
  while pid_alive >/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
  pid_alive >/dev/null && kill -KILL "$p" 2>/dev/null
  rm -f "$PIDF"
}
do_start() {
  pid_alive >/dev/null && return 0
  rm -f "$D/puppetserver.failed"
  set -a
  JAVA_ARGS=; TK_ARGS=
  [ -r /etc/default/puppetserver ] && . /etc/default/puppetserver
  set +a
  install -d -o puppet -g puppet -m 0755 /run/puppetserver
  printf 0 > "$RF" && chown puppet:puppet "$RF"
  echo "=== $(date -u +%FT%TZ) systemctl start puppetserver" >> "$LOG"
  cd /usr/share/puppetserver || exit 1
  umask 027
  # shellcheck disable=SC2086
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/puppet LANG=C.UTF-8 USER=puppet LOGNAME=puppet \\
    setsid setpriv --reuid=puppet --regid=puppet --init-groups \\
    /usr/bin/java $JAVA_ARGS -Dorigin.harness="$D" -Dlogappender=STDOUT \\
    -Djruby.lib=/usr/share/jruby/lib -XX:+CrashOnOutOfMemoryError \\
    -XX:ErrorFile=/var/log/puppetserver/puppetserver_err_pid%p.log \\
    -jar /usr/share/puppetserver/puppetserver.jar \\
    --config /etc/puppet/puppetserver/conf.d \\
    --bootstrap-config /etc/puppet/puppetserver/services.d \\
    --restart-file "$RF" $TK_ARGS >> "$LOG" 2>&1 < /dev/null &
  umask 022
  echo $! > "$PIDF"
  start=$(date +%s)
  while ! ready; do
    if ! pid_alive >/dev/null; then
      : > "$D/puppetserver.failed"
      echo "Job for puppetserver.service failed because the control process exited with error code." >&2
      tail -n 40 "$LOG" >&2
      rm -f "$PIDF"
      exit 1
    fi
    if [ $(( $(date +%s) - start )) -ge ${readySeconds} ]; then
      echo "Job for puppetserver.service failed because a timeout was exceeded (${readySeconds} s)." >&2
      tail -n 40 "$LOG" >&2
      do_stop
      : > "$D/puppetserver.failed"
      exit 1
    fi
    sleep 0.5
  done
  echo "=== $(date -u +%FT%TZ) ready after $(( $(date +%s) - start )) s" >> "$LOG"
}
case $1 in
  start) need_root start; do_start ;;
  stop) need_root stop; do_stop ;;
  restart|force-reload|reload|reload-or-restart) need_root restart; do_stop; do_start ;;
  try-restart|condrestart) need_root restart; if pid_alive >/dev/null; then do_stop; do_start; fi ;;
  is-active) s=$(state); echo "$s"; [ "$s" = active ] || exit 3 ;;
  is-failed) s=$(state); echo "$s"; [ "$s" = failed ] ;;
  status)
    s=$(state)
    echo "* puppetserver.service - Puppet Server"
    echo "     Loaded: loaded (/lib/systemd/system/puppetserver.service; $(cat "$D/units/puppetserver.enabled" 2>/dev/null || echo disabled))"
    case $s in
      active) echo "     Active: active (running)"; echo "   Main PID: $(pid_alive) (java)" ;;
      activating) echo "     Active: activating (start)" ;;
      *) echo "     Active: $s (dead)" ;;
    esac
    [ "$s" = active ] || exit 3 ;;
  *) echo "puppetserver-ctl: unknown action $1" >&2; exit 1 ;;
esac
`;
}

/**
 * The real agent service, as Debian's puppet.service runs it: `puppet agent
 * $PUPPET_EXTRA_OPTS --no-daemonize` with /etc/default/puppet (and /etc/sysconfig/puppet*)
 * as environment, as root inside the host. Its argv[0] names the instance directory (ruby
 * ignores argv[0]), so the cleanup that finds processes by the directory finds it too.
 */
function agentCtl(dir: string): string {
  return `#!/bin/sh
# puppet-agent-ctl ACTION: start | stop | restart | reload | is-active | status (the unit, for real).
D='${dir}'
PIDF="$D/puppet-agent.pid"
LOG="$D/puppet-agent.log"
TAG="$D/puppet-agent"
pid_alive() {
  p=$(cat "$PIDF" 2>/dev/null) || return 1
  [ -n "$p" ] && [ -r "/proc/$p/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
  [ "$st" != Z ] || return 1
  tr '\\0' ' ' < "/proc/$p/cmdline" | grep -q -- "^$TAG " || return 1
  echo "$p"
}
need_root() {
  [ "$(id -u)" = 0 ] && return 0
  echo "Failed to $1 puppet.service: Interactive authentication required." >&2
  echo "See system logs and 'systemctl status puppet.service' for details." >&2
  exit 1
}
do_stop() {
  p=$(pid_alive) || { rm -f "$PIDF"; return 0; }
  echo "=== $(date -u +%FT%TZ) systemctl stop puppet" >> "$LOG"
  kill -TERM "$p" 2>/dev/null
  i=0
  while pid_alive >/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
  pid_alive >/dev/null && kill -KILL "$p" 2>/dev/null
  rm -f "$PIDF"
}
do_start() {
  pid_alive >/dev/null && return 0
  PUPPET_EXTRA_OPTS=
  for f in /etc/sysconfig/puppetagent /etc/sysconfig/puppet /etc/default/puppet; do
    [ -r "$f" ] || continue
    set -a; . "$f"; set +a
  done
  echo "=== $(date -u +%FT%TZ) systemctl start puppet: puppet agent $PUPPET_EXTRA_OPTS --no-daemonize" >> "$LOG"
  cd / || exit 1
  # --logdest console stands in for the journal, which takes the unit's stdout.
  # shellcheck disable=SC2086
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 USER=root LOGNAME=root \\
    setsid /bin/bash -c 'exec -a "$0" /usr/bin/ruby /usr/bin/puppet agent "$@"' "$TAG" $PUPPET_EXTRA_OPTS --no-daemonize --logdest console \\
    >> "$LOG" 2>&1 < /dev/null &
  echo $! > "$PIDF"
  # Type=simple: started once the process runs; a bad option ends it at once (failed).
  sleep 0.2
  if ! pid_alive >/dev/null; then
    sleep 1
    rm -f "$PIDF"
    echo "puppet.service: the agent exited at once:" >&2
    tail -n 20 "$LOG" >&2
    : > "$D/puppet-agent.failed"
    exit 1
  fi
  rm -f "$D/puppet-agent.failed"
}
state() {
  if pid_alive >/dev/null; then echo active
  elif [ -e "$D/puppet-agent.failed" ]; then echo failed
  else echo inactive; fi
}
case $1 in
  start) need_root start; do_start ;;
  stop) need_root stop; do_stop ;;
  restart|force-reload|reload-or-restart) need_root restart; do_stop; do_start ;;
  reload) need_root reload; p=$(pid_alive) && kill -HUP "$p" ;;
  try-restart|condrestart) need_root restart; if pid_alive >/dev/null; then do_stop; do_start; fi ;;
  is-active) s=$(state); echo "$s"; [ "$s" = active ] || exit 3 ;;
  is-failed) s=$(state); echo "$s"; [ "$s" = failed ] ;;
  status)
    s=$(state)
    echo "* puppet.service - Puppet agent"
    echo "     Loaded: loaded (/lib/systemd/system/puppet.service; $(cat "$D/units/puppet.enabled" 2>/dev/null || echo disabled))"
    case $s in
      active) echo "     Active: active (running)"; echo "   Main PID: $(pid_alive) (puppet)" ;;
      *) echo "     Active: $s (dead)" ;;
    esac
    [ "$s" = active ] || exit 3 ;;
  *) echo "puppet-agent-ctl: unknown action $1" >&2; exit 1 ;;
esac
`;
}

/** systemctl and service: puppetserver and the puppet agent for real, other units as state files. */
function unitScript(dir: string, kind: 'systemctl' | 'service'): string {
  const common = `D='${dir}'
U="$D/units"
unit_name() { u=\${1%.service}; echo "$u"; }
one() {
  verb=$1; u=$(unit_name "$2")
  ctl=
  case $u in
    puppetserver) ctl="$D/puppetserver-ctl" ;;
    puppet) ctl="$D/puppet-agent-ctl" ;;
  esac
  if [ -n "$ctl" ]; then
    case $verb in
      enable) [ "$(id -u)" = 0 ] || { echo "Failed to enable unit: Interactive authentication required." >&2; return 1; }; echo enabled > "$U/$u.enabled"; [ -n "$now" ] && { /bin/sh "$ctl" start || return $?; }; return 0 ;;
      disable) [ "$(id -u)" = 0 ] || { echo "Failed to disable unit: Interactive authentication required." >&2; return 1; }; rm -f "$U/$u.enabled"; [ -n "$now" ] && { /bin/sh "$ctl" stop || return $?; }; return 0 ;;
      is-enabled) if [ -e "$U/$u.enabled" ]; then echo enabled; return 0; fi; echo disabled; return 1 ;;
      daemon-reload|mask|unmask) return 0 ;;
      *) /bin/sh "$ctl" "$verb"; return $? ;;
    esac
  fi
  case $verb in
    start|restart|reload|reload-or-restart|force-reload|try-restart) : > "$U/$u.active" ;;
    stop) rm -f "$U/$u.active" ;;
    enable) echo enabled > "$U/$u.enabled"; [ -n "$now" ] && : > "$U/$u.active" ;;
    disable) rm -f "$U/$u.enabled"; [ -n "$now" ] && rm -f "$U/$u.active" ;;
    is-enabled) if [ -e "$U/$u.enabled" ]; then echo enabled; return 0; fi; echo disabled; return 1 ;;
    is-active) if [ -e "$U/$u.active" ]; then echo active; return 0; fi; echo inactive; return 3 ;;
    status) if [ -e "$U/$u.active" ]; then echo "* $u.service"; echo "     Active: active (running)"; return 0; fi; echo "* $u.service"; echo "     Active: inactive (dead)"; return 3 ;;
  esac
  return 0
}
`;
  if (kind === 'service') {
    return `${common}now=
[ $# -ge 2 ] || exit 0
one "$2" "$1"
`;
  }
  return `${common}now=
verb=
units=
rc=0
for a in "$@"; do
  case $a in
    --now) now=1 ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$a; else units="$units $a"; fi ;;
  esac
done
[ -n "$verb" ] || exit 0
for u in $units; do
  one "$verb" "$u" || rc=$?
done
exit $rc
`;
}

// ---------------------------------------------------------------------------------

interface HostInternals extends PuppetHost {
  hostsBlock(): string;
}

async function startHost(name: string, names: string[], masterPort: number, o: PuppetHostsOptions & { master: string }): Promise<HostInternals> {
  const account = ensureTestUser();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const t: Tracked = { dir };
  tracked.add(t);
  chmodSync(dir, 0o755);
  const remoteHome = join(dir, 'home');
  const binDir = join(dir, 'bin');
  const cfgDir = join(dir, 'standin');
  const unitsDir = join(dir, 'units');
  for (const d of [remoteHome, binDir, cfgDir, unitsDir, join(dir, 'keys'), join(dir, 'stdin')]) mkdirSync(d, { recursive: true });
  for (const d of ['etc-upper', 'etc-work', 'var-upper', 'var-work']) mkdirSync(join(dir, d), { mode: 0o755 });
  chmodSync(join(dir, 'keys'), 0o700);
  for (const d of [binDir, cfgDir, unitsDir]) chmodSync(d, 0o755);
  chownSync(remoteHome, account.uid, account.gid);
  chownSync(join(dir, 'stdin'), account.uid, account.gid);

  const hostKey = join(dir, 'keys', 'host_ed25519');
  const userKeyPath = join(dir, 'keys', 'user_ed25519');
  keygen(hostKey, `origin-setup-test-host-${name}`);
  keygen(userKeyPath, 'origin-setup-test-user');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${userKeyPath}.pub`));
  chmodSync(authorizedKeys, 0o644);

  const callLog = join(dir, 'calls.log');
  writeFileSync(callLog, '');
  chmodSync(callLog, 0o666);
  const standInPath = join(dir, 'standin.sh');
  writeFileSync(standInPath, standInScript(dir), { mode: 0o755 });
  const addStandIn = (n: string) => {
    if (!/^[A-Za-z0-9_.+-]+$/.test(n)) throw new Error(`bad stand-in name ${n}`);
    const p = join(binDir, n);
    if (!existsSync(p)) {
      copyFileSync(standInPath, p);
      chmodSync(p, 0o755);
    }
  };
  [...PUPPET_HOST_STAND_INS, ...(o.standIns ?? [])].forEach(addStandIn);
  writeFileSync(join(dir, 'puppetserver-ctl'), puppetserverCtl(dir, o.readyTimeoutSeconds ?? 150), { mode: 0o755 });
  writeFileSync(join(dir, 'puppet-agent-ctl'), agentCtl(dir), { mode: 0o755 });
  const builtIns = () => {
    writeFileSync(join(cfgDir, 'systemctl.sh'), unitScript(dir, 'systemctl'));
    writeFileSync(join(cfgDir, 'service.sh'), unitScript(dir, 'service'));
  };
  builtIns();

  const session = join(dir, 'session');
  writeFileSync(session, sessionScript(dir, remoteHome), { mode: 0o755 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const configPath = join(dir, 'sshd_config');
  const launchPath = join(dir, 'launch.sh');
  const logPath = join(dir, 'sshd.log');
  const sshdLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = async () => {
    writeFileSync(
      configPath,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        'AddressFamily inet',
        `HostKey ${hostKey}`,
        'PidFile none',
        `AuthorizedKeysFile ${authorizedKeys}`,
        'StrictModes no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PermitRootLogin no',
        `AllowUsers ${account.name}`,
        `ForceCommand exec ${session}`,
        `Subsystem sftp ${sftpServerPath()}`,
        'LogLevel VERBOSE',
        'UseDNS no',
        'PrintMotd no',
        'PrintLastLog no',
        'MaxStartups 100:30:200',
        'MaxSessions 64',
        'MaxAuthTries 10',
        '',
      ].join('\n'),
    );
    writeFileSync(
      launchPath,
      launchScript({
        dir,
        name,
        names,
        isMaster: name === o.master,
        masterPort,
        puppetConf: o.puppetConf ?? {},
        javaArgs: o.javaArgs ?? DEFAULT_JAVA_ARGS,
        user: account.name,
        config: configPath,
      }),
      { mode: 0o755 },
    );
    const offset = sshdLog().length;
    let err = '';
    const c = spawn('unshare', ['--mount', '--uts', '--propagation', 'private', '/bin/sh', launchPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d) => (err += d));
    let exited = false;
    c.on('exit', () => (exited = true));
    child = c;
    t.sshd = c;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (sshdLog().slice(offset).includes(`Server listening on 127.0.0.1 port ${port}`)) return;
      if (exited) break;
      await sleep(20);
    }
    c.kill('SIGKILL');
    throw new Error(`${name}: sshd did not start on 127.0.0.1:${port}: ${err.trim()} ${sshdLog().slice(offset).trim()}`);
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !child?.pid; attempt++) {
    port = await freePort();
    // Overlay upper dirs must start empty for each attempt (the launch script writes into them).
    for (const d of ['etc-upper', 'etc-work', 'var-upper', 'var-work']) {
      rmSync(join(dir, d), { recursive: true, force: true });
      mkdirSync(join(dir, d), { mode: 0o755 });
    }
    try {
      await launch();
    } catch (e) {
      lastError = e;
      child = undefined;
    }
  }
  if (!child?.pid) throw lastError;
  const nsPid = child.pid;

  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');

  const killAndWait = async (pids: number[], signal: NodeJS.Signals, ms: number) => {
    for (const p of pids) {
      try {
        process.kill(p, signal);
      } catch {
        // gone
      }
    }
    const deadline = Date.now() + ms;
    while (pids.some(alive) && Date.now() < deadline) await sleep(50);
    return !pids.some(alive);
  };

  const host: HostInternals = {
    name,
    get port() {
      return port;
    },
    user: account.name,
    userKeyPath,
    dir,
    remoteHome,
    hostPublicKey,
    hostKeyLine: (n = `[127.0.0.1]:${port}`) => `${n} ${hostPublicKey}`,
    exec(command, eo = {}) {
      return new Promise((resolve, reject) => {
        const c = spawn('nsenter', ['-t', String(nsPid), '-m', '-u', '--', '/bin/sh', '-c', command], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { PATH: ORIGINAL_PATH, HOME: '/root', LANG: 'C.UTF-8', USER: 'root', LOGNAME: 'root' },
          cwd: '/',
        });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d) => (stdout += d));
        c.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => {
          c.kill('SIGKILL');
          reject(new Error(`${name}: exec timed out after ${eo.timeoutMs ?? 120_000} ms: ${command}\n${stdout}\n${stderr}`));
        }, eo.timeoutMs ?? 120_000);
        c.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        c.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
        });
      });
    },
    calls() {
      const stdins = new Map<string, string[]>();
      const stdinDir = join(dir, 'stdin');
      const files = readdirSync(stdinDir).sort((a, b) => {
        const [ta, pa] = a.split('.');
        const [tb, pb] = b.split('.');
        return BigInt(ta!) === BigInt(tb!) ? Number(pa) - Number(pb) : BigInt(ta!) < BigInt(tb!) ? -1 : 1;
      });
      for (const f of files) {
        const n = f.split('.').slice(2).join('.');
        if (!stdins.has(n)) stdins.set(n, []);
        stdins.get(n)!.push(readFileSync(join(stdinDir, f), 'utf8'));
      }
      return readFileSync(callLog, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((line) => {
          const [n, ...args] = line.split('\t').map(unescapeField);
          const call: StandInCall = { name: n!, args };
          if (existsSync(join(cfgDir, `${n}.stdin`))) {
            const stdin = stdins.get(n!)?.shift();
            if (stdin !== undefined) call.stdin = stdin;
          }
          return call;
        });
    },
    clearCalls() {
      writeFileSync(callLog, '');
      for (const f of readdirSync(join(dir, 'stdin'))) rmSync(join(dir, 'stdin', f), { force: true });
    },
    standIn(n, b) {
      addStandIn(n);
      for (const ext of ['out', 'err', 'exit', 'sh', 'stdin']) rmSync(join(cfgDir, `${n}.${ext}`), { force: true });
      if (b.stdout !== undefined) writeFileSync(join(cfgDir, `${n}.out`), b.stdout);
      if (b.stderr !== undefined) writeFileSync(join(cfgDir, `${n}.err`), b.stderr);
      if (b.exit !== undefined) writeFileSync(join(cfgDir, `${n}.exit`), String(b.exit));
      if (b.script !== undefined) writeFileSync(join(cfgDir, `${n}.sh`), b.script);
      if (b.captureStdin) writeFileSync(join(cfgDir, `${n}.stdin`), '');
    },
    resetStandIns() {
      for (const f of readdirSync(cfgDir)) rmSync(join(cfgDir, f), { force: true });
      builtIns();
      host.clearCalls();
    },
    puppetserverPid: () => jvmPid(dir),
    agentPid: () => agentPid(dir),
    agentLog: () => (existsSync(join(dir, 'puppet-agent.log')) ? readFileSync(join(dir, 'puppet-agent.log'), 'utf8') : ''),
    puppetserverLog: () => (existsSync(join(dir, 'puppetserver.log')) ? readFileSync(join(dir, 'puppetserver.log'), 'utf8') : ''),
    sshdLog,
    async stop() {
      const agent = agentPid(dir);
      if (agent !== undefined && !(await killAndWait([agent], 'SIGTERM', 5000))) await killAndWait([agent], 'SIGKILL', 5000);
      const jvm = jvmPid(dir);
      if (jvm !== undefined && !(await killAndWait([jvm], 'SIGTERM', 15_000))) await killAndWait([jvm], 'SIGKILL', 5000);
      const c = child;
      if (c?.pid && c.exitCode === null && c.signalCode === null) {
        await killAndWait(descendants(c.pid), 'SIGKILL', 5000);
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await gone;
      }
      // Anything else that still names the directory (a session's leftover).
      await killAndWait(instanceProcesses(dir), 'SIGKILL', 5000);
      tracked.delete(t);
      rmSync(dir, { recursive: true, force: true });
    },
    hostsBlock: () =>
      [`Host ${name}`, '  HostName 127.0.0.1', `  Port ${port}`, `  User ${account.name}`, `  IdentityFile ${userKeyPath}`, ''].join('\n'),
  };
  return host;
}

/**
 * Starts one sshd per name (see the top of this file). The first name (or opts.master) is
 * the master. puppetserver is not started: `sudo systemctl start puppetserver` on the
 * master does that, as on a real host.
 */
export async function startPuppetHosts(names: string[], opts: PuppetHostsOptions = {}): Promise<PuppetHosts> {
  if (!REAL_PUPPET.available) throw new Error(`real Puppet hosts are unavailable: ${REAL_PUPPET.why}`);
  if (names.length === 0) throw new Error('startPuppetHosts: no names');
  for (const n of names) if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(n)) throw new Error(`bad host name ${n}`);
  const master = opts.master ?? names[0]!;
  if (!names.includes(master)) throw new Error(`master ${master} is not one of ${names.join(', ')}`);
  installExitHook();
  removeStale();
  const masterPort = await freePort();
  const hosts: HostInternals[] = [];
  const scratchHomes: string[] = [];
  try {
    for (const n of names) hosts.push(await startHost(n, names, masterPort, { ...opts, master }));
  } catch (e) {
    await Promise.all(hosts.map((h) => h.stop()));
    throw e;
  }
  const set: PuppetHosts = {
    hosts,
    host(n) {
      const h = hosts.find((x) => x.name === n);
      if (!h) throw new Error(`no host ${n} (have ${names.join(', ')})`);
      return h;
    },
    masterPort,
    clientHome(home) {
      if (!home) {
        home = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-home-`));
        scratchHomes.push(home);
        tracked.add({ dir: home });
      }
      const sshDir = join(home, '.ssh');
      mkdirSync(sshDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(sshDir, 'config'), hosts.map((h) => h.hostsBlock()).join('\n'), { mode: 0o600 });
      appendFileSync(join(sshDir, 'known_hosts'), hosts.map((h) => `${h.hostKeyLine()}\n${h.hostKeyLine(h.name)}\n`).join(''), { mode: 0o600 });
      return home;
    },
    env(base) {
      if (!base.HOME) throw new Error('env(base): base.HOME is not set (use testEnv())');
      set.clientHome(base.HOME);
      return base;
    },
    async stop() {
      await Promise.all(hosts.map((h) => h.stop()));
      for (const h of scratchHomes) {
        rmSync(h, { recursive: true, force: true });
        for (const t of tracked) if (t.dir === h) tracked.delete(t);
      }
    },
  };
  return set;
}

export { TEST_USER };
