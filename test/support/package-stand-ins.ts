// Stand-in scripts for the package managers' targeted queries, modelled on the real tools'
// source (see package-queries.md beside this file for every fact and its source):
//   yum 3:  yum -q list available NAME…                (EL6/EL7, Fedora 19)
//   dnf 4:  dnf -q list --available NAME…              (EL8/9, Fedora ≤ 40, Amazon Linux 2023)
//   dnf 5:  dnf -q list --available NAME…              (Fedora ≥ 41)
//   apt:    apt-cache policy NAME…, apt-get -q update
// A generated script answers those queries byte for byte as the tool would when its
// stdout is not a terminal (as over ssh without a pty), and is a plain success (exit 0,
// no output) for everything else. `install NAME…` may mark NAME installed (one marker
// file `pkg.NAME` in a state directory, the convention of test/origin/flow-world.ts) so
// a later query sees it installed at the catalogue's available version.
//
// Not modelled: globs and case-insensitive matching of names, options that take their
// value as a separate word (`-c FILE`; `--opt=value` is fine), several versions of one
// package in an rpm repository, virtual packages in apt.

export type Flavour = 'yum3' | 'dnf4' | 'dnf5' | 'apt';

export interface OlderVersion {
  version: string;
  /** apt: the index line, e.g. `http://deb.debian.org/debian bookworm/main amd64 Packages`. */
  origin: string;
}

export interface Catalogue {
  /**
   * Name → the newest version a repository offers. rpm: `[EPOCH:]VERSION-RELEASE` as yum/dnf
   * print it (`3.1.1-3.fc19`); apt: the Debian version (`7.23.0-1+deb12u1`).
   */
  available: Record<string, string>;
  /** Name → the version installed before any `install` (may be absent from `available`). */
  installed?: Record<string, string>;
  /**
   * Where each available version comes from: rpm the repository id (default `defaultOrigin`),
   * apt the index line of `apt-cache policy` (default `defaultOrigin`).
   */
  origin?: Record<string, string>;
  defaultOrigin?: string;
  /** rpm architecture (default `noarch`, as Puppet's packages are). */
  arch?: string;
  /** apt: further (lower) versions that show in the version table, newest first. */
  older?: Record<string, OlderVersion[]>;
}

export interface StandInOptions {
  /** Directory for `pkg.NAME` markers: `install NAME` creates one, queries read them. */
  state?: string;
}

export interface DistributionCatalogue {
  flavour: Flavour;
  catalogue: Catalogue;
  /** Where the versions come from (see package-queries.md). */
  source: string;
}

const DPKG_STATUS = '/var/lib/dpkg/status';

// ---------------------------------------------------------------------------------------
// Version comparison (only to decide, at generation time, how an installed version relates
// to the available one).

function cmpSegments(a: string, b: string): number {
  // rpmvercmp: alternating runs of digits and letters; digits beat letters; '~' sorts first.
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !/[A-Za-z0-9~^]/.test(a[i]!)) i++;
    while (j < b.length && !/[A-Za-z0-9~^]/.test(b[j]!)) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const digit = /[0-9]/.test(a[i]!);
    const re = digit ? /^[0-9]+/ : /^[A-Za-z]+/;
    const x = re.exec(a.slice(i))?.[0] ?? '';
    const y = re.exec(b.slice(j))?.[0] ?? '';
    if (y === '') return digit ? 1 : -1;
    i += x.length;
    j += y.length;
    if (digit) {
      const xs = x.replace(/^0+/, '');
      const ys = y.replace(/^0+/, '');
      if (xs.length !== ys.length) return xs.length > ys.length ? 1 : -1;
      if (xs !== ys) return xs > ys ? 1 : -1;
    } else if (x !== y) return x > y ? 1 : -1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function splitEvr(v: string): [number, string, string] {
  const m = /^(?:(\d+):)?([^-]*)(?:-(.*))?$/.exec(v);
  return [Number(m?.[1] ?? 0), m?.[2] ?? v, m?.[3] ?? ''];
}

/** rpm's EVR order (as yum's verGT / dnf's evr_gt). */
export function rpmCompare(a: string, b: string): number {
  const [ea, va, ra] = splitEvr(a);
  const [eb, vb, rb] = splitEvr(b);
  if (ea !== eb) return ea > eb ? 1 : -1;
  return cmpSegments(va, vb) || cmpSegments(ra, rb);
}

function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function dpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const d = dpkgOrder(a[i]) - dpkgOrder(b[j]);
      if (d) return d > 0 ? 1 : -1;
      i++;
      j++;
    }
    let x = /^[0-9]*/.exec(a.slice(i))![0];
    let y = /^[0-9]*/.exec(b.slice(j))![0];
    i += x.length;
    j += y.length;
    x = x.replace(/^0+/, '');
    y = y.replace(/^0+/, '');
    if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    if (x !== y) return x > y ? 1 : -1;
  }
  return 0;
}

/** dpkg's version order (epoch:upstream-revision). */
export function debCompare(a: string, b: string): number {
  const parse = (v: string): [number, string, string] => {
    const m = /^(?:(\d+):)?(.*?)(?:-([^-]*))?$/.exec(v)!;
    return [Number(m[1] ?? 0), m[2]!, m[3] ?? ''];
  };
  const [ea, ua, ra] = parse(a);
  const [eb, ub, rb] = parse(b);
  if (ea !== eb) return ea > eb ? 1 : -1;
  return dpkgPart(ua, ub) || dpkgPart(ra, rb);
}

// ---------------------------------------------------------------------------------------
// yum 3 / dnf 4 list layout: calcColumns + fmtColumns of yum's output.py / dnf/cli/output.py.

type LengthCounts = Map<number, number>;

function calcColumns(data: LengthCounts[], totalWidthIn: number, remainderColumn: number): number[] {
  let cols = data.length;
  const sorted = data.map((d) => [...d.entries()].sort((x, y) => x[0] - y[0]));
  const columns = [...Array<number>(cols - 1).fill(1), 0];
  let total = totalWidthIn - (columns.reduce((s, c) => s + c, 0) + (cols - 1));
  if (!columns[cols - 1]) total += 1;
  const helpsOf = (current: number, tups: [number, number][], left: number) => {
    let ret = 0;
    for (const [len, count] of tups) {
      if (left < len - current) break;
      ret += count;
    }
    return ret;
  };
  while (total > 0) {
    let helps = 0;
    let val = 0;
    for (let d = 0; d < cols; d++) {
      const thelps = helpsOf(columns[d]!, sorted[d]!, total);
      if (!thelps) continue;
      if (helps && d === cols - 1 && thelps / 2 < helps) continue;
      if (thelps < helps) continue;
      helps = thelps;
      val = d;
    }
    if (helps) {
      const diff = sorted[val]!.shift()![0] - columns[val]!;
      if (!columns[val] && val === cols - 1) total -= 1;
      columns[val] = columns[val]! + diff;
      total -= diff;
      continue;
    }
    const overflowed = sorted.filter((d) => d.length > 0).length;
    if (overflowed) {
      const norm = Math.floor(total / overflowed);
      for (let d = 0; d < cols; d++) {
        if (!sorted[d]!.length) continue;
        columns[d] = columns[d]! + norm;
        total -= norm;
      }
    }
    cols -= 1;
    const norm = Math.floor(total / cols);
    for (let d = 0; d < cols; d++) columns[d] = columns[d]! + norm;
    columns[remainderColumn] = columns[remainderColumn]! + total - cols * norm;
    total = 0;
  }
  return columns;
}

function fmtColumns(values: string[], widths: number[]): string {
  let msg = '';
  let total = 0;
  for (let c = 0; c < values.length - 1; c++) {
    const val = values[c]!;
    const width = widths[c]!;
    if (!width) {
      msg += val;
      continue;
    }
    if (val.length <= width) msg += val + ' '.repeat(width - val.length) + ' ';
    else msg += val + '\n' + ' '.repeat(total + width + 1);
    total += width + 1;
  }
  const last = values[values.length - 1]!;
  const width = widths[widths.length - 1]!;
  return msg + last + ' '.repeat(Math.max(0, width - last.length));
}

interface RpmRow {
  na: string;
  evr: string;
  repo: string;
}

function rpmRows(catalogue: Catalogue, names: readonly string[]): RpmRow[] {
  const arch = catalogue.arch ?? 'noarch';
  return [...names].sort().map((n) => ({
    na: `${n}.${arch}`,
    evr: catalogue.available[n]!,
    repo: catalogue.origin?.[n] ?? catalogue.defaultOrigin ?? 'updates',
  }));
}

function yumStyleListing(rows: RpmRow[], flavour: 'yum3' | 'dnf4'): string {
  const counts = (f: (r: RpmRow) => number): LengthCounts => {
    const m: LengthCounts = new Map();
    for (const r of rows) m.set(f(r), (m.get(f(r)) ?? 0) + 1);
    return m;
  };
  const data = [counts((r) => r.na.length), counts((r) => r.evr.length), counts((r) => r.repo.length)];
  let widths: number[] | undefined;
  if (flavour === 'dnf4') {
    // stdout is no terminal: the widest value of each column, unless that fits in 80.
    const full = data.map((d) => Math.max(...d.keys()));
    if (full.reduce((s, w) => s + w, 0) > 80) widths = full;
  }
  widths ??= calcColumns(data, 80, 1);
  return 'Available Packages\n' + rows.map((r) => fmtColumns([r.na, r.evr, r.repo], widths) + '\n').join('');
}

function dnf5Listing(rows: RpmRow[]): string {
  // libsmartcols, no headings, separator ' ', every column but the last filled.
  const w1 = Math.max(...rows.map((r) => r.na.length));
  const w2 = Math.max(...rows.map((r) => r.evr.length));
  return 'Available packages\n' + rows.map((r) => `${r.na.padEnd(w1)} ${r.evr.padEnd(w2)} ${r.repo}\n`).join('');
}

/** What `list available` prints on stdout for these (visible) names; '' when none. */
export function rpmListOutput(flavour: 'yum3' | 'dnf4' | 'dnf5', catalogue: Catalogue, names: readonly string[]): string {
  if (names.length === 0) return '';
  const rows = rpmRows(catalogue, names);
  return flavour === 'dnf5' ? dnf5Listing(rows) : yumStyleListing(rows, flavour);
}

/** stderr and exit code when a `list` with package arguments matches nothing. */
export const NO_MATCH: Record<'yum3' | 'dnf4' | 'dnf5', { stderr: string; exit: number }> = {
  yum3: { stderr: 'Error: No matching Packages to list\n', exit: 1 },
  dnf4: { stderr: 'Error: No matching Packages to list\n', exit: 1 },
  dnf5: { stderr: 'No matching packages to list\n', exit: 1 },
};

// ---------------------------------------------------------------------------------------
// apt-cache policy

/** One package's block of `apt-cache policy`; installedVersion undefined: not installed. */
export function aptPolicyBlock(catalogue: Catalogue, name: string, installedVersion: string | undefined): string {
  const candidateFromRepo = catalogue.available[name];
  const origin = catalogue.origin?.[name] ?? catalogue.defaultOrigin ?? 'http://deb.debian.org/debian bookworm/main amd64 Packages';
  type Row = { version: string; prio: number; files: string[]; installed: boolean };
  const rows: Row[] = [];
  if (candidateFromRepo !== undefined) rows.push({ version: candidateFromRepo, prio: 500, files: [`500 ${origin}`], installed: false });
  for (const o of catalogue.older?.[name] ?? []) rows.push({ version: o.version, prio: 500, files: [`500 ${o.origin}`], installed: false });
  if (installedVersion !== undefined) {
    const same = rows.find((r) => r.version === installedVersion);
    if (same) {
      same.installed = true;
      same.files.push(`100 ${DPKG_STATUS}`);
    } else rows.push({ version: installedVersion, prio: 100, files: [`100 ${DPKG_STATUS}`], installed: true });
  }
  rows.sort((a, b) => debCompare(b.version, a.version));
  // The candidate: the highest-priority version, but never a downgrade of the installed one.
  let candidate = candidateFromRepo ?? installedVersion;
  if (installedVersion !== undefined && candidateFromRepo !== undefined && debCompare(installedVersion, candidateFromRepo) > 0) {
    candidate = installedVersion;
  }
  let out = `${name}:\n  Installed: ${installedVersion ?? '(none)'}\n  Candidate: ${candidate ?? '(none)'}\n  Version table:\n`;
  for (const r of rows) {
    out += `${r.installed ? ' *** ' : '     '}${r.version} ${r.prio}\n`;
    for (const f of r.files) out += `       ${f.replace(/^(\d+)/, (p) => p.padStart(4))}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Script generation

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function subsets<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

const COMMON_HEAD = (state: string | undefined) => `S=${q(state ?? '')}
cmd=
for a in "$@"; do
  case $a in -*) continue ;; esac
  cmd=$a
  break
done
mark_installed() {
  [ -n "$S" ] || return 0
  seen=
  for a in "$@"; do
    if [ -z "$seen" ]; then [ "$a" = install ] && seen=1; continue; fi
    case $a in -*|*/*|*.rpm|*.deb) ;; *) : > "$S/pkg.$a" ;; esac
  done
}
marked() { [ -n "$S" ] && [ -e "$S/pkg.$1" ]; }
`;

function rpmScript(flavour: 'yum3' | 'dnf4' | 'dnf5', catalogue: Catalogue, state: string | undefined): string {
  const names = Object.keys(catalogue.available).sort();
  if (names.length > 8) throw new Error('package-stand-ins: at most 8 available packages per catalogue');
  // yum 3 and dnf 4 leave out of "available" what is installed at the same or a newer EVR;
  // dnf 5's --available lists every repository package.
  const hidden = (n: string) => {
    const inst = catalogue.installed?.[n];
    return flavour !== 'dnf5' && inst !== undefined && rpmCompare(catalogue.available[n]!, inst) <= 0;
  };
  const visibility = names
    .map((n) => {
      if (hidden(n)) return `    ${q(n)}) continue ;;`;
      return flavour === 'dnf5' ? `    ${q(n)}) ;;` : `    ${q(n)}) marked ${q(n)} && continue ;;`;
    })
    .join('\n');
  const cases = subsets(names)
    .filter((s) => s.length > 0)
    .map((s) => `  ${q(' ' + s.join(' '))}) printf '%s' ${q(rpmListOutput(flavour, catalogue, s))} ;;`)
    .join('\n');
  const positional = flavour === 'dnf5' ? '' : '      available) [ -z "$names" ] && [ -z "$avail" ] && { avail=1; continue; } ;;\n';
  const noMatch = NO_MATCH[flavour];
  return `${COMMON_HEAD(state)}case $cmd in
  install) mark_installed "$@"; exit 0 ;;
  list) ;;
  *) exit 0 ;;
esac
avail=
names=
after=
for a in "$@"; do
  case $a in
    --available) avail=1; continue ;;
    -*) continue ;;
  esac
  if [ -z "$after" ]; then [ "$a" = list ] && after=1; continue; fi
  case $a in
${positional}  esac
  names="$names $a"
done
[ -n "$avail" ] || exit 0
wanted() {
  [ -z "$names" ] && return 0
  for w in $names; do [ "$w" = "$1" ] && return 0; done
  return 1
}
key=
for n in ${names.map(q).join(' ')}; do
  wanted "$n" || continue
  case $n in
${visibility}
  esac
  key="$key $n"
done
case $key in
${cases}
  *)
    [ -z "$names" ] && exit 0
    printf '%s' ${q(noMatch.stderr)} >&2
    exit ${noMatch.exit} ;;
esac
exit 0
`;
}

function aptScript(catalogue: Catalogue, state: string | undefined): string {
  const names = [...new Set([...Object.keys(catalogue.available), ...Object.keys(catalogue.installed ?? {})])].sort();
  const blocks = names
    .map((n) => {
      const whenMarked = aptPolicyBlock(catalogue, n, catalogue.available[n] ?? catalogue.installed?.[n]);
      const otherwise = aptPolicyBlock(catalogue, n, catalogue.installed?.[n]);
      return `      ${q(n)}) if marked ${q(n)}; then printf '%s' ${q(whenMarked)}; else printf '%s' ${q(otherwise)}; fi ;;`;
    })
    .join('\n');
  return `${COMMON_HEAD(state)}case $cmd in
  install) mark_installed "$@"; exit 0 ;;
  policy) ;;
  *) exit 0 ;;
esac
# apt sets quiet=1 when stdout is not a terminal, and then shows no notices (N:).
quiet=
[ -t 1 ] || quiet=1
after=
for a in "$@"; do
  case $a in
    -q|-qq|--quiet|-q=*|--quiet=*) quiet=1; continue ;;
    -*) continue ;;
  esac
  if [ -z "$after" ]; then [ "$a" = policy ] && after=1; continue; fi
  case $a in
${blocks}
      *) [ -n "$quiet" ] || printf 'N: Unable to locate package %s\\n' "$a" >&2 ;;
  esac
done
exit 0
`;
}

/**
 * A /bin/sh script (for sshd.standIn(name, { script })) that answers the flavour's targeted
 * queries from the catalogue. yum3/dnf4/dnf5: `list available|--available NAME…` and
 * `install NAME…`; apt (for apt-get and apt-cache alike): `policy NAME…`, `install NAME…`,
 * `update`. Everything else exits 0 without output.
 */
export function packageQueryScript(flavour: Flavour, catalogue: Catalogue, options: StandInOptions = {}): string {
  return flavour === 'apt' ? aptScript(catalogue, options.state) : rpmScript(flavour, catalogue, options.state);
}

// ---------------------------------------------------------------------------------------
// Catalogues (sources in package-queries.md)

const DEB12_MAIN = 'http://deb.debian.org/debian bookworm/main amd64 Packages';
const DEB12_SECURITY = 'http://deb.debian.org/debian-security bookworm-security/main amd64 Packages';

export const CATALOGUES: Record<string, DistributionCatalogue> = {
  fedora19: {
    flavour: 'yum3',
    catalogue: { available: { puppet: '3.1.1-3.fc19', 'puppet-server': '3.1.1-3.fc19' }, defaultOrigin: 'fedora' },
    source: 'Fedora puppet.spec changelog (3.1.1-3, 2013-04-16, before the F19 release); MagicGroup/MagicSPECS SPECS.p/puppet/puppet.spec',
  },
  debian12: {
    flavour: 'apt',
    catalogue: {
      available: { 'puppet-agent': '7.23.0-1+deb12u1', puppet: '7.23.0-1+deb12u1', puppetserver: '7.9.5-2+deb12u1' },
      origin: { 'puppet-agent': DEB12_SECURITY, puppet: DEB12_SECURITY, puppetserver: DEB12_MAIN },
      older: { 'puppet-agent': [{ version: '7.23.0-1', origin: DEB12_MAIN }], puppet: [{ version: '7.23.0-1', origin: DEB12_MAIN }] },
    },
    source: 'apt-cache policy on Debian 12 (apt 2.6.1), recorded in package-queries.md',
  },
  debian13: {
    flavour: 'apt',
    catalogue: {
      available: { 'puppet-agent': '8.10.0-5', puppet: '8.10.0-5', puppetserver: '8.7.0-5' },
      defaultOrigin: 'http://deb.debian.org/debian trixie/main amd64 Packages',
    },
    source: 'packages.debian.org/src:puppet-agent, /src:puppetserver (trixie)',
  },
  ubuntu2404: {
    flavour: 'apt',
    catalogue: {
      available: { 'puppet-agent': '8.4.0-1', puppet: '8.4.0-1', puppetserver: '8.4.0-1' },
      defaultOrigin: 'http://archive.ubuntu.com/ubuntu noble/universe amd64 Packages',
    },
    source: 'packages.ubuntu.com (noble: puppet, puppet-agent 8.4.0-1; puppet-master from src:puppetserver 8.4.0-1)',
  },
  ubuntu2204: {
    flavour: 'apt',
    catalogue: {
      available: { puppet: '5.5.22-4ubuntu0.2', 'puppet-master': '5.5.22-4ubuntu0.2' },
      defaultOrigin: 'http://archive.ubuntu.com/ubuntu jammy-updates/universe amd64 Packages',
      older: {
        puppet: [{ version: '5.5.22-4', origin: 'http://archive.ubuntu.com/ubuntu jammy/universe amd64 Packages' }],
        'puppet-master': [{ version: '5.5.22-4', origin: 'http://archive.ubuntu.com/ubuntu jammy/universe amd64 Packages' }],
      },
    },
    source: 'packages.ubuntu.com (jammy 5.5.22-4, jammy-updates 5.5.22-4ubuntu0.2)',
  },
  fedora42: {
    flavour: 'dnf5',
    catalogue: { available: { puppet: '8.10.0-1.fc42' }, defaultOrigin: 'updates' },
    source: 'packages.fedoraproject.org/pkgs/puppet/puppet/fedora-42-updates.html',
  },
  rhel9: { flavour: 'dnf4', catalogue: { available: {} }, source: 'no Puppet in RHEL 9 BaseOS/AppStream' },
  el8: { flavour: 'dnf4', catalogue: { available: {} }, source: 'no Puppet in EL 8 BaseOS/AppStream' },
  el10: { flavour: 'dnf4', catalogue: { available: {} }, source: 'no Puppet in EL 10 BaseOS/AppStream' },
  amzn2023: { flavour: 'dnf4', catalogue: { available: {} }, source: 'no Puppet in Amazon Linux 2023' },
};
