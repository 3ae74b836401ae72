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
//   machineSnapshot(): string: the machine's own Puppet state (compare before and after).
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
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname as localHostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alive,
  clearStandInCalls,
  configureStandIn,
  descendants,
  ensureTestUser,
  freePort,
  instanceDirs,
  instanceKeys,
  killAllSync,
  killAndWait,
  onFreePort,
  ORIGINAL_PATH,
  processesUsing,
  publicKeyOf,
  readIfExists,
  removeStaleScratch,
  scratchHome,
  sessionScript,
  sftpServerPath,
  spawnSshd,
  sshdConfig,
  sshHostBlock,
  SSHD,
  standInCalls,
  standInInstaller,
  TEST_USER,
  writeClientSsh,
  type StandInBehaviour,
  type StandInCall,
} from './sshd.js';

export type { StandInBehaviour, StandInCall } from './sshd.js';

const PREFIX = 'origin-puppet-';

/** The stand-ins every Puppet host has (everything else is real). */
export const PUPPET_HOST_STAND_INS = [
  'dnf',
  'yum',
  'apt-get',
  'apt',
  'apt-cache',
  'dpkg',
  'rpm',
  'yum-config-manager',
  'systemctl',
  'service',
  'chkconfig',
  'update-rc.d',
  'firewall-cmd',
  'lokkit',
  'iptables',
  'ufw',
  'hostnamectl',
  'timedatectl',
  'setenforce',
  'getenforce',
  'reboot',
  'shutdown',
] as const;

export const DEFAULT_JAVA_ARGS = '-Xms256m -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger';

function probeAvailability(): { available: boolean; why?: string } {
  if (process.platform !== 'linux') return { available: false, why: 'real Puppet hosts need Linux namespaces' };
  if (process.getuid?.() !== 0)
    return { available: false, why: 'real Puppet hosts need root (unshare, overlay mounts, sudo); run the suite as root, as CI does' };
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
        execFileSync(
          'unshare',
          ['-m', '--propagation', 'private', 'mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${d}/l,upperdir=${d}/u,workdir=${d}/w`, `${d}/m`],
          { stdio: 'ignore' },
        );
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

/**
 * What the machine's own Puppet state looks like: its Puppet, puppetserver and sudo
 * configuration, Puppet's and puppetserver's state and logs, /etc/hosts and the hostname
 * (a test takes it before and after: the hosts must not change any of it).
 */
export function machineSnapshot(): string {
  const list = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .sort()
          .map((f) => {
            const s = statSync(join(dir, f));
            return `${dir}/${f} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.isFile() ? s.size : '-'}`;
          })
      : [`${dir} absent`];
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : `${f} absent`);
  return [
    read('/etc/puppet/puppet.conf'),
    read('/etc/puppet/puppetserver/conf.d/webserver.conf'),
    read('/etc/default/puppetserver'),
    read('/etc/default/puppet'),
    read('/etc/hosts'),
    read('/etc/hostname'),
    ...list('/var/lib/puppet'),
    ...list('/var/lib/puppetserver'),
    ...list('/etc/puppet'),
    ...list('/etc/sudoers.d'),
    ...list('/var/log/puppetserver'),
    localHostname(),
  ].join('\n');
}

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

/** The pid in DIR/<pidFile>, only while that process lives and its command line (NULs kept) is the instance's. */
function instancePid(dir: string, pidFile: string, isOurs: (cmdline: string) => boolean): number | undefined {
  const pid = readPid(join(dir, pidFile));
  if (pid === undefined || !alive(pid)) return undefined;
  try {
    return isOurs(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The JVM of an instance, only if that pid still is that instance's java. */
function jvmPid(dir: string): number | undefined {
  return instancePid(dir, 'puppetserver.pid', (cmdline) => cmdline.includes(`-Dorigin.harness=${dir}`));
}

/** The agent daemon of an instance, only if that pid still is that instance's agent. */
function agentPid(dir: string): number | undefined {
  return instancePid(dir, 'puppet-agent.pid', (cmdline) => cmdline.startsWith(`${join(dir, 'puppet-agent')}\0`));
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

// ---------------------------------------------------------------------------------
// Scripts.

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

interface ServiceCtl {
  /** The instance directory. */
  dir: string;
  /** The script's name (in messages). */
  ctl: string;
  /** The systemd unit (without .service) and its Description. */
  unit: string;
  description: string;
  /** The actions, for the header comment. */
  actions: string;
  /** $PIDF and $LOG are DIR/<files>.pid and DIR/<files>.log. */
  files: string;
  /** More variables, one assignment a line. */
  vars: string;
  /** What the process's command line (NULs as spaces) matches (grep) when it is this instance's. */
  cmdline: string;
  /** How long do_stop waits after TERM before it KILLs, in tenths of a second. */
  stopTenths: number;
  /** do_stop notes the stop in $LOG. */
  logStop: boolean;
  /** The unit's own shell functions: at least do_start and state (active | failed | …). */
  functions: string;
  /** The case arms of the restart-like actions. */
  restarts: string;
  /** The name shown after `Main PID:`. */
  mainProcess: string;
  /** status: the case arms for states other than active and the dead ones. */
  otherStates: string;
}

/**
 * A unit for real, the way its systemctl actions behave: the pid file tells whether it
 * runs (if that process is still this instance's), start/stop/restart need root, stop is
 * TERM, then KILL when it does not go. Runs as root inside the host.
 */
function serviceCtl(c: ServiceCtl): string {
  return `#!/bin/sh
# ${c.ctl} ACTION: ${c.actions} (the unit, for real).
D='${c.dir}'
PIDF="$D/${c.files}.pid"
LOG="$D/${c.files}.log"
${c.vars}
# The process this start launched (by pid): alive until it exits, whatever it has exec'd
# into so far. pid_alive below also needs the final command line, which the launched
# child has only once env, setsid and the rest have exec'd (later still on a busy machine).
child_alive() {
  [ -r "/proc/$1/stat" ] || return 1
  [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]
}
pid_alive() {
  p=$(cat "$PIDF" 2>/dev/null) || return 1
  [ -n "$p" ] && [ -r "/proc/$p/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
  [ "$st" != Z ] || return 1
  tr '\\0' ' ' < "/proc/$p/cmdline" | grep -q -- "${c.cmdline}" || return 1
  echo "$p"
}
need_root() {
  [ "$(id -u)" = 0 ] && return 0
  echo "Failed to $1 ${c.unit}.service: Interactive authentication required." >&2
  echo "See system logs and 'systemctl status ${c.unit}.service' for details." >&2
  exit 1
}
do_stop() {
  p=$(pid_alive) || { rm -f "$PIDF"; return 0; }
${c.logStop ? `  echo "=== $(date -u +%FT%TZ) systemctl stop ${c.unit}" >> "$LOG"\n` : ''}  kill -TERM "$p" 2>/dev/null
  i=0
  while pid_alive >/dev/null && [ $i -lt ${c.stopTenths} ]; do sleep 0.1; i=$((i+1)); done
  pid_alive >/dev/null && kill -KILL "$p" 2>/dev/null
  rm -f "$PIDF"
}
${c.functions}case $1 in
  start) need_root start; do_start ;;
  stop) need_root stop; do_stop ;;
${c.restarts}
  try-restart|condrestart) need_root restart; if pid_alive >/dev/null; then do_stop; do_start; fi ;;
  is-active) s=$(state); echo "$s"; [ "$s" = active ] || exit 3 ;;
  is-failed) s=$(state); echo "$s"; [ "$s" = failed ] ;;
  status)
    s=$(state)
    echo "* ${c.unit}.service - ${c.description}"
    echo "     Loaded: loaded (/lib/systemd/system/${c.unit}.service; $(cat "$D/units/${c.unit}.enabled" 2>/dev/null || echo disabled))"
    case $s in
      active) echo "     Active: active (running)"; echo "   Main PID: $(pid_alive) (${c.mainProcess})" ;;
${c.otherStates}      *) echo "     Active: $s (dead)" ;;
    esac
    [ "$s" = active ] || exit 3 ;;
  *) echo "${c.ctl}: unknown action $1" >&2; exit 1 ;;
esac
`;
}

/** The real puppetserver service, as the systemd unit runs it. */
function puppetserverCtl(dir: string, readySeconds: number): string {
  return serviceCtl({
    dir,
    ctl: 'puppetserver-ctl',
    unit: 'puppetserver',
    description: 'Puppet Server',
    actions: 'start | stop | restart | is-active | status',
    files: 'puppetserver',
    vars: 'RF=/run/puppetserver/restart',
    cmdline: '-Dorigin.harness=$D',
    stopTenths: 600,
    logStop: false,
    functions: `ready() { [ "$(head -c1 "$RF" 2>/dev/null)" = 1 ]; }
state() {
  if pid_alive >/dev/null; then
    if ready; then echo active; else echo activating; fi
  elif [ -e "$D/puppetserver.failed" ]; then echo failed
  else echo inactive; fi
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
  child=$!
  umask 022
  echo "$child" > "$PIDF"
  start=$(date +%s)
  while ! ready; do
    if ! child_alive "$child"; then
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
`,
    restarts: '  restart|force-reload|reload|reload-or-restart) need_root restart; do_stop; do_start ;;',
    mainProcess: 'java',
    otherStates: '      activating) echo "     Active: activating (start)" ;;\n',
  });
}

/**
 * The real agent service, as Debian's puppet.service runs it: `puppet agent
 * $PUPPET_EXTRA_OPTS --no-daemonize` with /etc/default/puppet (and /etc/sysconfig/puppet*)
 * as environment, as root inside the host. Its argv[0] names the instance directory (ruby
 * ignores argv[0]), so the cleanup that finds processes by the directory finds it too.
 */
function agentCtl(dir: string): string {
  return serviceCtl({
    dir,
    ctl: 'puppet-agent-ctl',
    unit: 'puppet',
    description: 'Puppet agent',
    actions: 'start | stop | restart | reload | is-active | status',
    files: 'puppet-agent',
    vars: 'TAG="$D/puppet-agent"',
    cmdline: '^$TAG ',
    stopTenths: 200,
    logStop: true,
    functions: `do_start() {
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
  child=$!
  echo "$child" > "$PIDF"
  # Type=simple: started once the process runs puppet; one that ends before it gets there
  # failed. Wait for either (the exec chain is quick, but not on a loaded machine).
  while child_alive "$child" && ! pid_alive >/dev/null; do sleep 0.05; done
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
`,
    restarts: `  restart|force-reload|reload-or-restart) need_root restart; do_stop; do_start ;;
  reload) need_root reload; p=$(pid_alive) && kill -HUP "$p" ;;`,
    mainProcess: 'puppet',
    otherStates: '',
  });
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
  const { dir, remoteHome, binDir, cfgDir } = instanceDirs(PREFIX, account, ['units']);
  const t: Tracked = { dir };
  tracked.add(t);

  const { hostKey, userKeyPath, authorizedKeys } = instanceKeys(dir, `origin-setup-test-host-${name}`);

  const { addStandIn } = standInInstaller(dir, binDir);
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
  let port = 0;

  const child = await onFreePort(async (p) => {
    port = p;
    // Overlay upper dirs must start empty for each attempt (the launch script writes into them).
    for (const d of ['etc-upper', 'etc-work', 'var-upper', 'var-work']) {
      rmSync(join(dir, d), { recursive: true, force: true });
      mkdirSync(join(dir, d), { mode: 0o755 });
    }
    writeFileSync(
      configPath,
      sshdConfig({ port, hostKey, authorizedKeys, permitRootLogin: 'no', allowUsers: [account.name], session, sftp: sftpServerPath() }),
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
    return spawnSshd('unshare', ['--mount', '--uts', '--propagation', 'private', '/bin/sh', launchPath], {
      port,
      logPath,
      what: name,
      onSpawn: (c) => (t.sshd = c),
    });
  });
  const nsPid = child.pid!;

  const hostPublicKey = publicKeyOf(hostKey);

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
    calls: () => standInCalls(dir),
    clearCalls: () => clearStandInCalls(dir),
    standIn(n, b) {
      addStandIn(n);
      configureStandIn(cfgDir, n, b, ['out', 'err', 'exit', 'sh', 'stdin']);
    },
    resetStandIns() {
      for (const f of readdirSync(cfgDir)) rmSync(join(cfgDir, f), { force: true });
      builtIns();
      host.clearCalls();
    },
    puppetserverPid: () => jvmPid(dir),
    agentPid: () => agentPid(dir),
    agentLog: () => readIfExists(join(dir, 'puppet-agent.log')),
    puppetserverLog: () => readIfExists(join(dir, 'puppetserver.log')),
    sshdLog: () => readIfExists(logPath),
    async stop() {
      const agent = agentPid(dir);
      if (agent !== undefined && !(await killAndWait([agent], 'SIGTERM', 5000))) await killAndWait([agent], 'SIGKILL', 5000);
      const jvm = jvmPid(dir);
      if (jvm !== undefined && !(await killAndWait([jvm], 'SIGTERM', 15_000))) await killAndWait([jvm], 'SIGKILL', 5000);
      const c = child;
      if (c.pid && c.exitCode === null && c.signalCode === null) {
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
    hostsBlock: () => [...sshHostBlock([name], port, account.name, userKeyPath), ''].join('\n'),
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
  removeStaleScratch(PREFIX, (dir) => killAllSync(instanceProcesses(dir)));
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
        home = scratchHome(PREFIX);
        scratchHomes.push(home);
        tracked.add({ dir: home });
      }
      writeClientSsh(home, hosts.map((h) => h.hostsBlock()).join('\n'), hosts.map((h) => `${h.hostKeyLine()}\n${h.hostKeyLine(h.name)}\n`).join(''));
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
