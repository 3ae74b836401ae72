// Validators for values that must have a shape. Each returns an error message or
// undefined, for ArgSpec.validate / OptionSpec.validate (a bad value exits 2 before
// anything runs).

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const ipv4 = (v: string) => (IPV4.test(v) ? undefined : 'not an IPv4 address');

export const cidr = (v: string) => {
  const [ip, bits, extra] = v.split('/');
  return extra === undefined && ip && IPV4.test(ip) && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= 32
    ? undefined
    : 'not a CIDR block such as 10.0.0.0/16';
};

export const instanceId = (v: string) => (/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : 'not an instance id (i-0123abcd…)');
export const imageId = (v: string) => (/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : 'not an image id (ami-0123abcd…)');

const RECORD_TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT'];
export const recordType = (v: string) => (RECORD_TYPES.includes(v.toUpperCase()) ? undefined : `not a record type (${RECORD_TYPES.join(', ')})`);

/** A TCP/UDP port or range: 80, 8000-8443. */
export const portOrRange = (v: string) => {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  if (!m) return 'not a port or range such as 80 or 8000-8443';
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  return lo >= 0 && hi <= 65535 && lo <= hi ? undefined : 'port out of range 0-65535';
};

/** Names that reach a remote shell as words: packages, services, users, groups, zones, repos. */
export const identifier = (v: string) => (/^[A-Za-z0-9_][A-Za-z0-9_.+:@-]*$/.test(v) ? undefined : 'only letters, digits and . _ + - : @ are allowed');

/** A DNS host name (FQDN or single label). */
export const hostname = (v: string) =>
  /^(?=.{1,253}\.?$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(v)
    ? undefined
    : 'not a valid host name';

/** A record name: `www`, `@`, `*.apps`, `_acme-challenge.www.example.com.` (an argument, and a CNAME, NS or PTR value). */
export function recordName(v: string): string | undefined {
  if (v === '@') return undefined;
  const labels = (v.endsWith('.') ? v.slice(0, -1) : v).split('.');
  const ok = v.length <= 254 && labels.every((l, i) => (l === '*' && i === 0) || /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
  return ok ? undefined : 'not a DNS name (letters, digits, - and _ in dot-separated labels; * only first)';
}

export const positive = (v: number) => (v > 0 ? undefined : 'must be greater than 0');

/** `v` as one of `choices`, typed as their union; undefined when it is none of them. */
export function oneOf<C extends string>(choices: readonly C[], v: string): C | undefined {
  return choices.find((c) => c === v);
}
