// A small fake host for the origin:* workflow tests: the real test sshd, with stand-ins
// that keep a little state so a whole flow can run end to end.
// - The package managers (dnf, yum, apt-get) remember what was installed (one marker
//   file per package) and print a configurable "available" list for `list`.
// - rpm -q / dpkg-query answer from those markers, so puppet:repo sees what is there.
// - puppet answers --version only once a Puppet package is installed, prints a
//   configurable certname, and plays the 2.7/3.x CA (`puppet cert list|sign`) from a
//   state file the test writes; puppetserver plays the 6+ CA (`puppetserver ca`) from
//   the same file. A request therefore "arrives" when the test appends it.
// - install and touch succeed without touching /etc or /var/log, and mkdir and chmod
//   pretend for system directories (/etc, /var, /opt, /usr) while working for real in the
//   login's home: the test login is not root and sudo is a stand-in. usermod only records.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../support/cli.js';
import { startSshd, type Sshd, type StandInCall } from '../support/sshd.js';

export interface World {
  sshd: Sshd;
  /** Where the stand-ins keep their state (writable by the test login). */
  state: string;
  /** Forgets installed packages, the CA and the calls; sets the distribution and the Puppet version. */
  reset(o: { distribution: string; puppetVersion: string; certname?: string; available?: string[] }): void;
  /** Marks packages as installed, as if a previous run had put them there. */
  installed(...packages: string[]): void;
  isInstalled(pkg: string): boolean;
  /** Appends a CA entry: a pending request or a signed certificate. */
  caEntry(state: 'pending' | 'signed', name: string, fingerprint?: string): void;
  caState(): string[];
  /** Recorded calls, sudo's own line left out, as `name arg…` (an upload's temporary file as TMP). */
  commands(): string[];
  /** The `Host` block that maps names to this sshd, for a second sshd's client HOME. */
  hostBlock(): string;
}

export const FP1 = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
export const FP2 = Array.from({ length: 32 }, (_, i) => (i * 5 + 33).toString(16).toUpperCase().padStart(2, '0')).join(':');

const PUPPET_PACKAGES = 'puppet puppet-server puppet-agent puppetserver puppetmaster';

function packageManagerScript(state: string): string {
  return `S='${state}'
for a in "$@"; do
  case $a in list) cat "$S/available" 2>/dev/null; exit 0 ;; esac
done
inst=
for a in "$@"; do
  if [ -n "$inst" ]; then
    case $a in -*|*/*) ;; *) : > "$S/pkg.$a" ;; esac
  fi
  [ "$a" = install ] && inst=1
done
exit 0
`;
}

// rpm -q --qf FORMAT PKG and dpkg-query -W -f FORMAT PKG: the package is the last word.
// Real for the login's own files, pretended for system directories.
function systemPathsPretendScript(real: string): string {
  return `for a in "$@"; do
  case $a in /etc|/etc/*|/var|/var/*|/opt|/opt/*|/usr|/usr/*) exit 0 ;; esac
done
exec ${real} "$@"
`;
}

function versionQueryScript(state: string): string {
  return `S='${state}'
for last; do :; done
if [ -e "$S/pkg.$last" ]; then echo 1.0-1; exit 0; fi
echo "package $last is not installed"
exit 1
`;
}

function puppetScript(state: string): string {
  return `S='${state}'
installed() { for p in ${PUPPET_PACKAGES}; do [ -e "$S/pkg.$p" ] && return 0; done; return 1; }
case $1 in
  --version) installed || exit 127; cat "$S/version"; exit 0 ;;
  config)
    case $2 in
      print) [ "$3" = certname ] && cat "$S/certname"; exit 0 ;;
      *) exit 0 ;;
    esac ;;
  cert)
    case $2 in
      list)
        [ -f "$S/ca" ] || exit 0
        while read -r st name fp; do
          case $st in
            pending) echo "  \\"$name\\" (SHA256) $fp" ;;
            signed) [ "$3" = --all ] && echo "+ \\"$name\\" (SHA256) $fp" ;;
          esac
        done < "$S/ca"
        exit 0 ;;
      sign)
        grep -q "^pending $3 " "$S/ca" 2>/dev/null || { echo "Error: Could not find certificate request for $3" >&2; exit 24; }
        sed "s/^pending $3 /signed $3 /" "$S/ca" > "$S/ca.new" && cat "$S/ca.new" > "$S/ca"
        echo "Notice: Signed certificate request for $3"
        exit 0 ;;
    esac ;;
esac
exit 0
`;
}

function puppetserverScript(state: string): string {
  return `S='${state}'
[ "$1" = ca ] || exit 0
case $2 in
  list)
    req=$(grep '^pending ' "$S/ca" 2>/dev/null)
    sig=$(grep '^signed ' "$S/ca" 2>/dev/null)
    if [ -n "$req" ]; then
      echo "Requested Certificates:"
      echo "$req" | while read -r st name fp; do printf '    %s       (SHA256)  %s\\n' "$name" "$fp"; done
    fi
    if [ "$3" = --all ] && [ -n "$sig" ]; then
      echo "Signed Certificates:"
      echo "$sig" | while read -r st name fp; do printf '    %s       (SHA256)  %s\\n' "$name" "$fp"; done
    fi
    [ -z "$req" ] && { [ "$3" != --all ] || [ -z "$sig" ]; } && echo "No certificates to list"
    exit 0 ;;
  sign)
    name=$4
    grep -q "^pending $name " "$S/ca" 2>/dev/null || { echo "Error: could not find certificate request for $name" >&2; exit 1; }
    sed "s/^pending $name /signed $name /" "$S/ca" > "$S/ca.new" && cat "$S/ca.new" > "$S/ca"
    echo "Successfully signed certificate request for $name"
    exit 0 ;;
esac
exit 0
`;
}

export async function startWorld(o: { hosts: string[]; distribution: string }): Promise<World> {
  const sshd = await startSshd({ hosts: o.hosts, distribution: o.distribution, standIns: ['touch', 'usermod', 'mkdir', 'chmod'] });
  const state = join(sshd.dir, 'world');
  mkdirSync(state, { recursive: true });
  chmodSync(state, 0o777);
  const write = (name: string, text: string) => {
    const p = join(state, name);
    writeFileSync(p, text);
    chmodSync(p, 0o666);
  };

  const configure = () => {
    for (const pm of ['dnf', 'yum', 'apt-get', 'apt']) sshd.standIn(pm, { script: packageManagerScript(state) });
    for (const q of ['rpm', 'dpkg-query']) sshd.standIn(q, { script: versionQueryScript(state) });
    sshd.standIn('puppet', { script: puppetScript(state) });
    sshd.standIn('puppetserver', { script: puppetserverScript(state) });
    // Root-owned destinations: the stand-in sudo never becomes root.
    sshd.standIn('install', { exit: 0 });
    sshd.standIn('touch', { exit: 0 });
    sshd.standIn('mkdir', { script: systemPathsPretendScript('/bin/mkdir') });
    sshd.standIn('chmod', { script: systemPathsPretendScript('/bin/chmod') });
  };

  const world: World = {
    sshd,
    state,
    reset(r) {
      sshd.resetStandIns();
      for (const f of ['ca', 'ca.new']) write(f, '');
      for (const f of readdirSync(state)) if (f.startsWith('pkg.')) rmSync(join(state, f), { force: true });
      write('version', `${r.puppetVersion}\n`);
      write('certname', `${r.certname ?? 'agent.example.org'}\n`);
      write('available', (r.available ?? []).map((l) => `${l}\n`).join(''));
      sshd.withDistribution(r.distribution);
      configure();
    },
    installed(...packages) {
      for (const p of packages) write(`pkg.${p}`, '');
    },
    isInstalled: (p) => existsSync(join(state, `pkg.${p}`)),
    caEntry(st, name, fp = FP1) {
      appendFileSync(join(state, 'ca'), `${st} ${name} ${fp}\n`);
    },
    caState: () => readFileSync(join(state, 'ca'), 'utf8').split('\n').filter(Boolean),
    commands: () =>
      sshd
        .calls()
        .filter((c: StandInCall) => c.name !== 'sudo')
        .map((c) => [c.name, ...c.args].join(' ').replace(/\S*\/\.origin-setup-[0-9a-f]+\.tmp\b/g, 'TMP')),
    hostBlock: () =>
      [`Host ${sshd.hosts.join(' ')}`, '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.userKeyPath}`, ''].join('\n'),
  };
  return world;
}

/** The `task:` lines of a run's stderr, indentation kept. */
export function echoes(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\s*task: /.test(l));
}

/** An env whose HOME maps the world's host names to its sshd (and optionally a second world's). */
export function worldEnv(world: World, o: { other?: World; extra?: NodeJS.ProcessEnv } = {}): NodeJS.ProcessEnv {
  const env = testEnv(o.extra);
  if (o.other) o.other.sshd.clientHome({ home: env.HOME });
  world.sshd.clientHome({ home: env.HOME, ...(o.other ? { configExtra: o.other.hostBlock() } : {}) });
  return env;
}

/**
 * Resolves once the stand-ins record `systemctl start SERVICE` (the agent is up), then
 * after `delayMs` appends a pending request for certname to the CA's state: the request
 * arrives while origin:puppetclient is already waiting for it.
 */
export async function requestAfterAgentStart(agent: World, ca: World, service: string, certname: string, delayMs: number): Promise<void> {
  const started = () => agent.commands().includes(`systemctl start ${service}`);
  const deadline = Date.now() + 30_000;
  while (!started()) {
    if (Date.now() > deadline) throw new Error(`the agent service ${service} was never started`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, delayMs));
  ca.caEntry('pending', certname, FP2);
}
