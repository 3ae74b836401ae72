// A `puppet` stand-in (and its `puppetserver`, `rpm` and `dpkg` companions) that answers
// what origin-setup asks of a host's Puppet the way the real one does, for the sshd of
// test/support/sshd.ts: `sshd.standIn('puppet', { script: puppetStandIn({ … }) })`.
//
// API
//   PUPPET_LAYOUTS: the settings (as root) of each packaging:
//     distribution3  Fedora 19 / EL 6-7's Puppet 3 (/etc/puppet, /var/lib/puppet, [main] modulepath)
//     distribution   Debian 12's Puppet 7 in the /etc/puppet layout (the values its puppet
//                    7.23.0 printed: codedir /etc/puppet/code, vardir /var/cache/puppet, …)
//     aio            OpenVox and Perforce's all-in-one layout (/etc/puppetlabs, /opt/puppetlabs)
//   puppetSettings(o): the settings that version prints: the layout with `settings` laid over
//     it, certname added, and the keys that version does not know left out (codedir 4.0,
//     basemodulepath and environmentpath 3.5, csr_attributes 3.4, default_manifest 3.7;
//     manifestdir gone in 4.0).
//   puppetStandIn(o): the /bin/sh script of the `puppet` stand-in. Options (PuppetStandInOptions):
//     version (required), layout (default distribution3 up to 3.x, else distribution),
//     settings (overrides; '' for a key printed empty), certname (default
//     testhost.example.com), certList (what `puppet cert list` prints when there is no
//     STATE/certs), stateDir (see below).
//   puppetserverStandIn(o): `puppetserver ca list [--all]` prints the same certificate list;
//     `ca sign|clean|revoke` succeed, except that with STATE/certs.autosigned a sign finds
//     the request already signed by policy (that file becomes the list; 409, exit 1).
//     Options: certList, stateDir.
//   packageOwnerStandIns(o): { dpkg, rpm } behaviours answering the probe's owner query
//     (`dpkg -S PATH` / `rpm -qf --qf '%{NAME}\n' PATH`) as a Debian or an rpm host would.
//   augtoolStandIn(o): `augtool -s set /files<config>/SECTION/KEY "VALUE"` (how 2.7 to 3.4
//     are configured) kept in STATE/puppet.conf like config set, so Puppet then reports it.
//     Options: stateDir, config (default /etc/puppet/puppet.conf).
//   probeOutput(o): the lines PUPPET_PROBE prints on such a host (for unit tests).
//
// What the `puppet` script answers, per version (from puppetlabs/puppet's
// lib/puppet/face/config.rb and settings.rb `print_config_options` at each tag):
//   --version                      the version
//   config print [KEY…] [--section S] [--environment E]
//       up to 3.4: keys sorted, `key = value`, and at the first key that version does not
//         know `invalid parameter: KEY`, then nothing more (exit 0); --section does not
//         exist: `Error: Could not parse application options: invalid option: --section`, exit 1
//       3.5 to 5.x: keys in the order given; 6 and later: sorted; a key the version does not
//         know prints `key = ` (empty)
//       one key prints its bare value; no key (or `all`) prints every setting
//   master --configprint K1,K2     (2.7's way, and every version's up to 5) as up to 3.4 above
//   config set [--section S] KEY VALUE   from 3.5 on: kept in STATE/puppet.conf, so later
//       prints in S (or any section, for [main]) report it; before 3.5 an error, exit 1.
//       A manifest not set by itself follows default_manifest of [main] (4 and later; like
//       Puppet's config print, a default_manifest only in [server] does not show there).
//   cert list|sign|clean|revoke    up to 5: the list from STATE/certs (else certList);
//       6 and later: `Error: Unknown Puppet subcommand 'cert'`, exit 1
//   agent|apply                    prints STATE/run, exits with STATE/run.exit (default 0)
//   module …                       prints STATE/module.out, exits with STATE/module.exit
//   anything else                  exit 0
// STATE is `stateDir`: files there are read on every call, so a test can change the
// certificate list while a task waits; config set writes there, so the login user must
// be able to write it (without stateDir, config set is not remembered).
// Not modelled: a non-root user's ~/.puppetlabs paths (the sshd's sudo does not change
// user), environment.conf, $variable interpolation in set values.
import { quote } from '../../src/ssh/quote.js';
import type { StandInBehaviour } from './sshd.js';

export type PuppetLayout = 'distribution3' | 'distribution' | 'aio';

export const PUPPET_LAYOUTS: Readonly<Record<PuppetLayout, Readonly<Record<string, string>>>> = {
  distribution3: {
    autosign: '/etc/puppet/autosign.conf',
    basemodulepath: '/etc/puppet/modules:/usr/share/puppet/modules',
    confdir: '/etc/puppet',
    config: '/etc/puppet/puppet.conf',
    csr_attributes: '/etc/puppet/csr_attributes.yaml',
    environmentpath: '',
    manifest: '/etc/puppet/manifests/site.pp',
    manifestdir: '/etc/puppet/manifests',
    modulepath: '/etc/puppet/modules:/usr/share/puppet/modules',
    server: 'puppet',
    // Fedora's shipped puppet.conf sets ssldir = $vardir/ssl.
    ssldir: '/var/lib/puppet/ssl',
    vardir: '/var/lib/puppet',
  },
  distribution: {
    autosign: '/etc/puppet/autosign.conf',
    basemodulepath: '/etc/puppet/code/modules:/usr/share/puppet/modules',
    codedir: '/etc/puppet/code',
    confdir: '/etc/puppet',
    config: '/etc/puppet/puppet.conf',
    csr_attributes: '/etc/puppet/csr_attributes.yaml',
    default_manifest: './manifests',
    environmentpath: '/etc/puppet/code/environments',
    manifest: 'no_manifest',
    modulepath: '/usr/share/puppet/modules',
    server: 'puppet',
    ssldir: '/var/lib/puppet/ssl',
    vardir: '/var/cache/puppet',
  },
  aio: {
    autosign: '/etc/puppetlabs/puppet/autosign.conf',
    basemodulepath: '/etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
    codedir: '/etc/puppetlabs/code',
    confdir: '/etc/puppetlabs/puppet',
    config: '/etc/puppetlabs/puppet/puppet.conf',
    csr_attributes: '/etc/puppetlabs/puppet/csr_attributes.yaml',
    default_manifest: './manifests',
    environmentpath: '/etc/puppetlabs/code/environments',
    manifest: '/etc/puppetlabs/code/environments/production/manifests',
    modulepath: '/etc/puppetlabs/code/environments/production/modules:/etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
    server: 'puppet',
    ssldir: '/etc/puppetlabs/puppet/ssl',
    vardir: '/opt/puppetlabs/puppet/cache',
  },
};

/** The release a setting appeared in, or disappeared in. */
const SINCE: Record<string, string> = { codedir: '4.0', basemodulepath: '3.5', environmentpath: '3.5', csr_attributes: '3.4', default_manifest: '3.7' };
const UNTIL: Record<string, string> = { manifestdir: '4.0' };

export interface PuppetStandInOptions {
  /** What `puppet --version` prints: 2.7.23, 3.1.1, 7.23.0, 8.10.0. */
  version: string;
  /** Default: distribution3 up to 3.x, else distribution. */
  layout?: PuppetLayout;
  /** Laid over the layout ('' prints the key with an empty value). */
  settings?: Readonly<Record<string, string>>;
  certname?: string;
  /** What the CA lists when STATE/certs does not exist. */
  certList?: string;
  /** Where the script reads certs, run, run.exit, module.out, module.exit and keeps puppet.conf. */
  stateDir?: string;
}

function parts(version: string): number[] {
  return version.split('.').map((n) => Number.parseInt(n, 10) || 0);
}

function atLeast(version: string, min: string): boolean {
  const a = parts(version);
  const b = parts(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

export function layoutFor(o: Pick<PuppetStandInOptions, 'version' | 'layout'>): PuppetLayout {
  return o.layout ?? (parts(o.version)[0]! <= 3 ? 'distribution3' : 'distribution');
}

/** The settings this Puppet prints, by name (the keys it does not know left out). */
export function puppetSettings(o: PuppetStandInOptions): Record<string, string> {
  const all: Record<string, string> = { ...PUPPET_LAYOUTS[layoutFor(o)], certname: o.certname ?? 'testhost.example.com', ...o.settings };
  const known: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (SINCE[k] && !atLeast(o.version, SINCE[k])) continue;
    if (UNTIL[k] && atLeast(o.version, UNTIL[k])) continue;
    known[k] = v;
  }
  return known;
}

/** How `config print` of this version behaves. */
function printMode(version: string): 'legacy' | 'ordered' | 'sorted' {
  if (!atLeast(version, '3.5')) return 'legacy';
  return atLeast(version, '6') ? 'sorted' : 'ordered';
}

export function puppetStandIn(o: PuppetStandInOptions): string {
  const settings = puppetSettings(o);
  const names = Object.keys(settings).sort();
  const major = parts(o.version)[0]!;
  const defaults = names.map((k) => `    ${k}) printf '%s\\n' ${quote(settings[k]!)} ;;`).join('\n');
  return `# origin-setup test stand-in: Puppet ${o.version} (${layoutFor(o)} layout)
S=${quote(o.stateDir ?? '')}
VERSION=${quote(o.version)}
MAJOR=${major}
MODE=${printMode(o.version)}
ALL=${quote(names.join(' '))}
CERTS=${quote(o.certList ?? '')}
known() { case " $ALL " in *" $1 "*) return 0 ;; esac; return 1; }
default_of() {
  case $1 in
${defaults}
    *) echo ;;
  esac
}
# A value written with config set: in section $2, else in [main].
set_value() {
  [ -n "$S" ] && [ -f "$S/puppet.conf" ] || return 1
  awk -F '\\t' -v k="$1" -v s="$2" '$2 == k && $1 == s { vs = $3; fs = 1 } $2 == k && $1 == "main" { vm = $3; fm = 1 }
    END { if (fs) print vs; else if (fm) print vm; else exit 1 }' "$S/puppet.conf"
}
value_of() {
  set_value "$1" "$2" && return 0
  # Like Puppet: an environment's manifest follows default_manifest of the run mode's
  # sections (user: [main]), whatever --section says.
  if [ "$1" = manifest ] && [ "$MAJOR" -ge 4 ] && set_value default_manifest main; then return 0; fi
  default_of "$1"
}
# print SECTION KEY…
print_settings() {
  section=$1; shift
  [ $# -eq 0 ] || [ "$*" = all ] && set -- $ALL
  if [ $# -eq 1 ]; then
    if [ "$MODE" = legacy ] && ! known "$1"; then echo "invalid parameter: $1"; return 0; fi
    value_of "$1" "$section"
    return 0
  fi
  if [ "$MODE" != ordered ]; then set -- $(printf '%s\\n' "$@" | LC_ALL=C sort); fi
  for k; do
    if ! known "$k"; then
      if [ "$MODE" = legacy ]; then echo "invalid parameter: $k"; return 0; fi
      echo "$k = "
      continue
    fi
    echo "$k = $(value_of "$k" "$section")"
  done
}
state() { [ -n "$S" ] && [ -f "$S/$1" ]; }
cert_list() { if state certs; then cat "$S/certs"; else printf '%s' "$CERTS"; fi; }
no_section() { echo 'Error: Could not parse application options: invalid option: --section' >&2; exit 1; }

# --configprint, wherever it is (2.7's \`puppet master --configprint a,b\`).
prev=
for a; do
  case $prev in --configprint) print_settings main $(echo "$a" | tr , ' '); exit 0 ;; esac
  case $a in --configprint=*) print_settings main $(echo "\${a#*=}" | tr , ' '); exit 0 ;; esac
  prev=$a
done

case $1 in
  --version|-V) echo "$VERSION" ;;
  config)
    action=$2; shift 2
    section=main; keys=
    while [ $# -gt 0 ]; do
      case $1 in
        --section) [ "$MODE" = legacy ] && no_section; section=$2; shift 2 ;;
        --section=*) [ "$MODE" = legacy ] && no_section; section=\${1#*=}; shift ;;
        --environment) shift 2 ;;
        --*) shift ;;
        *) keys="$keys $1"; shift ;;
      esac
    done
    case $action in
      print) print_settings "$section" $keys ;;
      set)
        [ "$MODE" = legacy ] && { echo "Error: Unknown action 'set' for 'config'" >&2; exit 1; }
        set -- $keys
        # The value is the rest of the words (values here have no blanks of their own).
        k=$1; shift
        [ -n "$S" ] && printf '%s\\t%s\\t%s\\n' "$section" "$k" "$*" >> "$S/puppet.conf"
        ;;
    esac ;;
  cert)
    if [ "$MAJOR" -ge 6 ]; then echo "Error: Unknown Puppet subcommand 'cert'" >&2; exit 1; fi
    [ "$2" = list ] && cert_list ;;
  agent|apply)
    state run && cat "$S/run"
    state run.exit && exit "$(cat "$S/run.exit")" ;;
  module)
    state module.out && cat "$S/module.out"
    state module.exit && exit "$(cat "$S/module.exit")" ;;
esac
exit 0
`;
}

export function puppetserverStandIn(o: Pick<PuppetStandInOptions, 'certList' | 'stateDir'> = {}): string {
  return `# origin-setup test stand-in: puppetserver
S=${quote(o.stateDir ?? '')}
if [ "$1 $2" = "ca list" ]; then
  if [ -n "$S" ] && [ -f "$S/certs" ]; then cat "$S/certs"; else printf '%s' ${quote(o.certList ?? '')}; fi
fi
# An autosign policy that signs the request just before this sign: the list becomes
# STATE/certs.autosigned and the CA answers as puppetserver 7 does when the request is gone.
if [ "$1 $2" = "ca sign" ] && [ -n "$S" ] && [ -f "$S/certs.autosigned" ]; then
  mv "$S/certs.autosigned" "$S/certs"
  printf "Error:\\nWhen attempting to sign certificate request '%s', received\\n  code: 409\\n  body: Cannot sign certificate for host %s without a certificate request\\n" "$4" "$4" >&2
  exit 1
fi
exit 0
`;
}

/** augtool's set on puppet.conf, remembered where the puppet stand-in reads config set. */
export function augtoolStandIn(o: { stateDir: string; config?: string }): StandInBehaviour {
  const prefix = `/files${o.config ?? '/etc/puppet/puppet.conf'}/`;
  return {
    script: `S=${quote(o.stateDir)}
P=${quote(prefix)}
[ "$1" = -s ] || [ "$1" = --autosave ] || exit 0
[ "$2" = set ] || exit 0
case $3 in "$P"*) ;; *) exit 0 ;; esac
rest=\${3#"$P"}
# augtool's "…" syntax: only the backslash and double-quote escapes matter for these values.
v=$(printf '%s' "$4" | sed -e 's/^"//' -e 's/"$//' -e 's/\\\\"/"/g' -e 's/\\\\\\\\/\\\\/g')
printf '%s\\t%s\\t%s\\n' "\${rest%%/*}" "\${rest#*/}" "$v" >> "$S/puppet.conf"
`,
  };
}

export interface PackageOwnerOptions {
  /** Which package tool the host has: the other one is "not found" (exit 127). */
  manager: 'deb' | 'rpm';
  /** The package owning the queried file; undefined: owned by none. */
  owner?: string;
  /** rpm: installed packages for `rpm -q [--qf …] NAME` (name → VERSION-RELEASE). */
  installed?: Readonly<Record<string, string>>;
}

/**
 * The dpkg and rpm stand-ins of a Debian or an rpm host for the probe's owner query:
 * `dpkg -S PATH` prints `PKG: PATH` (or `dpkg-query: no path found matching pattern PATH`
 * on stderr, exit 1); `rpm -qf --qf '%{NAME}\n' PATH` prints PKG (or `file PATH is not
 * owned by any package` on stdout, exit 1); `rpm -q NAME` answers from `installed`
 * (`package NAME is not installed`, exit 1).
 */
export function packageOwnerStandIns(o: PackageOwnerOptions): { dpkg: StandInBehaviour; rpm: StandInBehaviour } {
  const missing = (name: string): StandInBehaviour => ({ stderr: `sh: 1: ${name}: not found\n`, exit: 127 });
  const owner = quote(o.owner ?? '');
  const dpkg: StandInBehaviour = {
    script: `O=${owner}
[ "$1" = -S ] || exit 0
if [ -n "$O" ]; then echo "$O: $2"; exit 0; fi
echo "dpkg-query: no path found matching pattern $2" >&2
exit 1
`,
  };
  const installed = Object.entries(o.installed ?? {})
    .map(([name, v]) => `    ${quote(name)}) echo ${quote(v)}; exit 0 ;;`)
    .join('\n');
  const rpm: StandInBehaviour = {
    script: `O=${owner}
file=; query=; name=
while [ $# -gt 0 ]; do
  case $1 in
    -qf) query=f; shift ;;
    -q) query=q; shift ;;
    --qf|--queryformat) shift 2 ;;
    -*) shift ;;
    *) name=$1; shift ;;
  esac
done
if [ "$query" = f ]; then
  if [ -n "$O" ]; then echo "$O"; exit 0; fi
  echo "file $name is not owned by any package"; exit 1
fi
if [ "$query" = q ]; then
  case $name in
${installed}
  esac
  echo "package $name is not installed"; exit 1
fi
exit 0
`,
  };
  return o.manager === 'deb' ? { dpkg, rpm: missing('rpm') } : { dpkg: missing('dpkg'), rpm };
}

/** The lines PUPPET_PROBE prints for such a Puppet, as root (the settings of 4 and later, sorted). */
export function probeOutput(o: PuppetStandInOptions & { puppet: string; puppetserver?: string; owner?: string }): string[] {
  const s = puppetSettings(o);
  const asked =
    parts(o.version)[0]! <= 3
      ? ['autosign', 'certname', 'confdir', 'config', 'manifest', 'modulepath', 'ssldir', 'vardir']
      : [
          'autosign',
          'basemodulepath',
          'certname',
          'codedir',
          'confdir',
          'config',
          'csr_attributes',
          'environmentpath',
          'manifest',
          'modulepath',
          'ssldir',
          'vardir',
        ];
  return [
    `puppet=${o.puppet}`,
    `puppetserver=${o.puppetserver ?? ''}`,
    `version=${o.version}`,
    `owner=${o.owner ?? ''}`,
    ...asked.map((k) => `${k} = ${s[k] ?? ''}`),
  ];
}
