// A small fake host for the origin:* workflow tests: the real test sshd, with stand-ins
// that keep a little state so a whole flow can run end to end, and that answer the way
// the real tools do (test/support/package-stand-ins.ts, test/support/puppet-stand-in.ts).
// - The package managers answer the targeted queries (`yum -q list available NAME…`,
//   `dnf -q list --available NAME…`, `apt-cache policy NAME…`) from the catalogue of the
//   distribution the test names, and remember what was installed (one marker file per
//   package; a server marks its agent, as the packages' dependencies would).
// - rpm -q / dpkg-query answer from those markers, and `rpm -qf` / `dpkg -S` name the
//   Puppet package that owns the binary, so puppet:repo and the probe see what is there.
// - puppet answers only once a Puppet package is installed; then it is the stand-in of
//   the version and layout the test names (config print/set, --version), keeping
//   puppet.conf in the world's state. Its CA (`puppet cert list|sign`, 2.7 to 5) and
//   puppetserver's (`puppetserver ca`, 6+) play from a state file the test writes: a
//   request "arrives" when the test appends it.
// - install and touch succeed without touching /etc or /var/log, and mkdir and chmod
//   pretend for system directories (/etc, /var, /opt, /usr) while working for real in the
//   login's home: the test login is not root and sudo is a stand-in. usermod only records.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../support/cli.js';
import { CATALOGUES, packageQueryScript, type Catalogue, type Flavour } from '../support/package-stand-ins.js';
import { augtoolStandIn, puppetStandIn, type PuppetLayout } from '../support/puppet-stand-in.js';
import { startSshd, type Sshd, type StandInCall } from '../support/sshd.js';

export interface WorldPuppet {
  /** What `puppet --version` says once a Puppet package is installed. */
  version: string;
  layout?: PuppetLayout;
  certname?: string;
}

export interface World {
  sshd: Sshd;
  /** Where the stand-ins keep their state (writable by the test login). */
  state: string;
  /**
   * Forgets installed packages, the CA, puppet.conf and the calls; sets the distribution,
   * what its repositories offer (a CATALOGUES key, default the distribution's own) and the
   * Puppet the host reports once one is installed.
   */
  reset(o: { distribution: string; catalogue?: string | { flavour: Flavour; catalogue: Catalogue }; puppet?: WorldPuppet }): void;
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

const FLAVOURS: Record<string, Flavour> = { rhel64: 'yum3', centos64: 'yum3', centos7: 'yum3', amzn2: 'yum3', fedora40: 'dnf4' };

// Each server package pulls in its agent; the agents own the puppet binary.
const SERVER_AGENT: Record<string, string> = {
  'puppet-server': 'puppet',
  puppetmaster: 'puppet',
  puppetserver: 'puppet-agent',
  'openvox-server': 'openvox-agent',
};
const AGENTS = ['openvox-agent', 'puppet-agent', 'puppet'];

// Real for the login's own files, pretended for system directories.
function systemPathsPretendScript(real: string): string {
  return `for a in "$@"; do
  case $a in /etc|/etc/*|/var|/var/*|/opt|/opt/*|/usr|/usr/*) exit 0 ;; esac
done
exec ${real} "$@"
`;
}

/** The agent that owns the puppet binary: an installed agent, or the one a server pulled in. */
function ownerLookup(): string {
  const pairs = Object.entries(SERVER_AGENT).map(([srv, agent]) => `[ -e "$S/pkg.${srv}" ] && { echo ${agent}; return 0; }`);
  return `owner() {
  for n in ${AGENTS.join(' ')}; do [ -e "$S/pkg.$n" ] && { echo "$n"; return 0; }; done
  ${pairs.join('\n  ')}
  return 1
}`;
}

// rpm -q --qf FORMAT PKG (installed?) and rpm -qf --qf FORMAT FILE (who owns it?).
function rpmScript(state: string): string {
  return `S='${state}'
${ownerLookup()}
for last; do :; done
if [ "$1" = -qf ]; then owner && exit 0; echo "file $last is not owned by any package"; exit 1; fi
if [ -e "$S/pkg.$last" ]; then echo 1.0-1; exit 0; fi
echo "package $last is not installed"
exit 1
`;
}

// dpkg-query -W -f FORMAT PKG (installed?) and dpkg -S FILE (who owns it?).
function dpkgScript(state: string): string {
  return `S='${state}'
${ownerLookup()}
for last; do :; done
if [ "$1" = -S ]; then o=$(owner) && { echo "$o: $last"; exit 0; }; echo "dpkg-query: no path found matching pattern $last" >&2; exit 1; fi
if [ -e "$S/pkg.$last" ]; then echo 1.0-1; exit 0; fi
echo "dpkg-query: no packages found matching $last" >&2
exit 1
`;
}

/** puppet: absent until a Puppet package is installed; then the CA here, the rest the version's stand-in. */
function puppetScript(state: string): string {
  return `S='${state}'
${ownerLookup()}
owner >/dev/null || { echo "sh: 1: puppet: not found" >&2; exit 127; }
[ "$1" = cert ] || exec /bin/sh "$S/puppet-version.sh" "$@"
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
    # Each name in turn; the first without a request ends the command (exit 24), the names
    # before it stay signed.
    shift 2
    for name; do
      grep -q "^pending $name " "$S/ca" 2>/dev/null || { echo "Error: Could not find certificate request for $name" >&2; exit 24; }
      sed "s/^pending $name /signed $name /" "$S/ca" > "$S/ca.new" && cat "$S/ca.new" > "$S/ca"
      echo "Notice: Signed certificate request for $name"
    done
    exit 0 ;;
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
    # --certname A,B: every name is tried; exit 1 if any had no request.
    rc=0
    for name in $(echo "$4" | tr , ' '); do
      if grep -q "^pending $name " "$S/ca" 2>/dev/null; then
        sed "s/^pending $name /signed $name /" "$S/ca" > "$S/ca.new" && cat "$S/ca.new" > "$S/ca"
        echo "Successfully signed certificate request for $name"
      else
        printf 'Error:\n    Could not find certificate request for %s\n' "$name" >&2
        rc=1
      fi
    done
    exit $rc ;;
esac
exit 0
`;
}

export async function startWorld(o: { hosts: string[]; distribution: string }): Promise<World> {
  const sshd = await startSshd({ hosts: o.hosts, distribution: o.distribution, standIns: ['touch', 'usermod', 'mkdir', 'chmod', 'apt-cache'] });
  const state = join(sshd.dir, 'world');
  mkdirSync(state, { recursive: true });
  chmodSync(state, 0o777);
  const write = (name: string, text: string) => {
    const p = join(state, name);
    writeFileSync(p, text);
    chmodSync(p, 0o666);
  };

  const configure = (r: Parameters<World['reset']>[0]) => {
    const named = r.catalogue ?? r.distribution;
    // Distributions without a catalogue offer no Puppet; their package tool is still theirs.
    const offer = typeof named === 'string' ? (CATALOGUES[named] ?? { flavour: FLAVOURS[named], catalogue: { available: {} } }) : named;
    if (!offer.flavour) throw new Error(`no catalogue or package tool for ${JSON.stringify(named)}`);
    const query = packageQueryScript(offer.flavour, offer.catalogue, { state });
    const managers = offer.flavour === 'apt' ? ['apt-get', 'apt', 'apt-cache'] : offer.flavour === 'yum3' ? ['yum'] : ['dnf', 'yum'];
    for (const pm of managers) sshd.standIn(pm, { script: query });
    // A host has one of the two package tools; the other is not there at all.
    const absent = (name: string) => ({ stderr: `sh: 1: ${name}: not found\n`, exit: 127 });
    const deb = offer.flavour === 'apt';
    sshd.standIn('rpm', deb ? absent('rpm') : { script: rpmScript(state) });
    for (const q of ['dpkg', 'dpkg-query']) sshd.standIn(q, deb ? { script: dpkgScript(state) } : absent(q));
    write('puppet-version.sh', puppetStandIn({ ...r.puppet!, stateDir: state }));
    sshd.standIn('puppet', { script: puppetScript(state) });
    sshd.standIn('puppetserver', { script: puppetserverScript(state) });
    sshd.standIn('augtool', augtoolStandIn({ stateDir: state }));
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
      for (const f of readdirSync(state)) if (f.startsWith('pkg.') || f === 'puppet.conf') rmSync(join(state, f), { force: true });
      sshd.withDistribution(r.distribution);
      configure({ ...r, puppet: { certname: 'agent.example.org', ...(r.puppet ?? { version: '8.28.1', layout: 'aio' }) } });
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
      [`Host ${sshd.hosts.join(' ')}`, '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.userKeyPath}`, ''].join(
        '\n',
      ),
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
 * Appends a pending request for certname to the CA's state while origin:puppetclient is
 * already waiting for it: once the stand-ins record `systemctl start SERVICE` (the agent is
 * up) and then the CA's third list since. Its calls are sequential, so by then the first two
 * lists have found nothing; the third or the fourth finds the request. (A fixed delay after
 * the agent start raced the lists: on a loaded machine the request was there by the second.)
 */
export async function requestWhileSigning(agent: World, ca: World, service: string, certname: string): Promise<void> {
  const lists = () => ca.commands().filter((c) => /^(puppet cert|puppetserver ca) list\b/.test(c)).length;
  const deadline = Date.now() + 60_000;
  const until = async (what: string, done: () => boolean) => {
    while (!done()) {
      if (Date.now() > deadline) throw new Error(what);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(`the agent service ${service} was never started`, () => agent.commands().includes(`systemctl start ${service}`));
  const before = lists();
  await until(`the CA was not listed three times after the agent started`, () => lists() - before >= 3);
  ca.caEntry('pending', certname, FP2);
}

/**
 * The calls one Puppet probe records on a world host: `puppet --version` alone while no
 * Puppet is installed; then the owner query (dpkg, and rpm where dpkg finds nothing) and
 * the settings this version is asked for.
 */
export function probeCalls(world: World, o: { version?: string; manager?: 'rpm' | 'deb' } = {}): string[] {
  if (!o.version) return ['puppet --version'];
  const bin = `${world.sshd.dir}/bin/puppet`;
  const major = Number(o.version.split('.')[0]);
  const owner = o.manager === 'deb' ? [`dpkg -S ${bin}`] : [`dpkg -S ${bin}`, `rpm -qf --qf %{NAME}\\n ${bin}`];
  const print =
    major <= 3
      ? 'puppet config print autosign certname confdir config manifest modulepath ssldir vardir'
      : `puppet config print autosign basemodulepath certname codedir confdir config csr_attributes environmentpath manifest modulepath ssldir vardir --section ${major >= 7 ? 'server' : 'master'} --environment production`;
  return ['puppet --version', ...owner, print];
}

/** Recorded calls with every probe's calls taken out (what changed the host, and the queries). */
export function withoutProbes(commands: readonly string[]): string[] {
  return commands.filter((c) => !/^(puppet --version|dpkg -S |rpm -qf |puppet config print (autosign|all))/.test(c));
}
