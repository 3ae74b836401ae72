// Reading what a host says it is. /etc/os-release is the modern answer (Fedora ≥ 17,
// EL ≥ 7, Amazon Linux, Debian, Ubuntu); EL6 and its clones only have
// /etc/redhat-release, a single human sentence such as "CentOS release 6.4 (Final)".
import type { Distribution } from './types.js';

/** Parses os-release KEY=VALUE lines (values may be "double" or 'single' quoted, with \ escapes). */
export function parseOsReleaseFields(lines: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    fields[m[1]!] = unquote(m[2]!);
  }
  return fields;
}

function unquote(value: string): string {
  const q = value[0];
  if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
    const inner = value.slice(1, -1);
    return q === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return value;
}

export function majorOf(version: string): number {
  const m = /^(\d+)/.exec(version);
  return m ? Number(m[1]) : 0;
}

/** The Distribution described by /etc/os-release, or undefined without an ID= line. */
export function parseOsRelease(lines: readonly string[]): Distribution | undefined {
  const f = parseOsReleaseFields(lines);
  if (!f.ID) return undefined;
  const id = f.ID.toLowerCase();
  const version = f.VERSION_ID ?? '';
  const like = (f.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return { id, version, like, major: majorOf(version) };
}

// The sentence's leading words decide the ID, as the original did; the clones say
// which family they follow through `like`, exactly as their os-release would.
const REDHAT_RELEASE: { prefix: RegExp; id: string; like: string[] }[] = [
  { prefix: /^Red Hat Enterprise Linux/i, id: 'rhel', like: ['fedora'] },
  { prefix: /^CentOS/i, id: 'centos', like: ['rhel', 'fedora'] },
  { prefix: /^Fedora/i, id: 'fedora', like: [] },
  { prefix: /^Scientific Linux/i, id: 'scientific', like: ['rhel', 'fedora'] },
  { prefix: /^AlmaLinux/i, id: 'almalinux', like: ['rhel', 'centos', 'fedora'] },
  { prefix: /^Rocky Linux/i, id: 'rocky', like: ['rhel', 'centos', 'fedora'] },
  { prefix: /^Oracle Linux/i, id: 'ol', like: ['fedora'] },
];

/** "Red Hat Enterprise Linux Server release 6.4 (Santiago)" → rhel 6.4. */
export function parseRedhatRelease(lines: readonly string[]): Distribution | undefined {
  const sentence = lines.map((l) => l.trim()).find((l) => l !== '');
  if (!sentence) return undefined;
  const known = REDHAT_RELEASE.find((r) => r.prefix.test(sentence));
  const version = /\brelease\s+(\d+(?:\.\d+)*)/i.exec(sentence)?.[1];
  if (!known || !version) return undefined;
  return { id: known.id, version, like: known.like, major: majorOf(version) };
}

/**
 * Reads the probe's output: os-release when it has an ID= line, else the
 * redhat-release sentence. Undefined when neither makes sense.
 */
export function parseDistribution(lines: readonly string[]): Distribution | undefined {
  return parseOsRelease(lines) ?? parseRedhatRelease(lines);
}

/** `NAME VERSION` as remote:distribution prints it. */
export function distributionLabel(d: Distribution): string {
  return d.version ? `${d.id} ${d.version}` : d.id;
}

/** Compares dotted versions numerically: 22.04 ≥ 15.04, 7.9 ≥ 7. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const b = minimum.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
