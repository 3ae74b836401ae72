// What every EC2 action shares: the request's parameters, AWS-shaped errors, filters with
// EC2's wildcards, pages, tags and the addresses sandbox resources get.
import type { SandboxState, Tag } from '../model.js';
import type { XmlFields } from './xml.js';

/** An error as EC2 sends it: its code is what the SDK names the exception. */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** What one action handler gets. */
export interface ActionContext {
  state: SandboxState;
  p: Params;
  now: number;
  /** Multiplies every delay; 0 makes transitions happen on the next request. */
  scale: number;
}

export type ActionHandler = (ctx: ActionContext) => XmlFields;

/**
 * The decoded form body of an EC2 Query request, or one part of it: `Filter.2.Value.1`
 * is `group('Filter')[1].list('Value')[0]`.
 */
export class Params {
  constructor(readonly raw: Readonly<Record<string, string>>) {}

  str(name: string): string | undefined {
    return this.raw[name];
  }

  required(name: string): string {
    const v = this.raw[name];
    if (v === undefined || v === '') throw new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new Ec2Error('InvalidParameterValue', `Invalid value '${v}' for ${name}`);
    return Number(v);
  }

  requiredInt(name: string): number {
    this.required(name);
    return this.int(name)!;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw new Ec2Error('InvalidParameterValue', `Invalid value '${v}' for ${name}`);
    return v === 'true';
  }

  /** `Name.1`, `Name.2`, … in index order. */
  list(name: string): string[] {
    const found: [number, string][] = [];
    const re = new RegExp(`^${escapeRe(name)}\\.(\\d+)$`);
    for (const [k, v] of Object.entries(this.raw)) {
      const m = re.exec(k);
      if (m) found.push([Number(m[1]), v]);
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** `Name.N.rest` as one Params per N (keyed by `rest`), in index order. */
  group(name: string): Params[] {
    const byIndex = new Map<number, Record<string, string>>();
    const re = new RegExp(`^${escapeRe(name)}\\.(\\d+)\\.(.+)$`);
    for (const [k, v] of Object.entries(this.raw)) {
      const m = re.exec(k);
      if (!m) continue;
      const i = Number(m[1]);
      if (!byIndex.has(i)) byIndex.set(i, {});
      byIndex.get(i)![m[2]!] = v;
    }
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, sub]) => new Params(sub));
  }

  /** `Name.rest` as one Params (a nested structure such as MetadataOptions). */
  struct(name: string): Params {
    const sub: Record<string, string> = {};
    const prefix = `${name}.`;
    for (const [k, v] of Object.entries(this.raw)) if (k.startsWith(prefix)) sub[k.slice(prefix.length)] = v;
    return new Params(sub);
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// --- ids ---

/** An id of the given kind, checked the way EC2 checks it: prefix, then 8 or 17 hex digits. */
export function checkId(id: string, prefix: string, malformedCode: string): void {
  if (!new RegExp(`^${escapeRe(prefix)}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id)) {
    throw new Ec2Error(malformedCode, `Invalid id: "${id}" (expecting "${prefix}-...")`);
  }
}

/** `'a'` or `'a, b'`: how EC2 names the ids an error is about. */
export function quoteIds(ids: readonly string[]): string {
  return `'${ids.join(', ')}'`;
}

// --- filters ---

export interface Filter {
  name: string;
  values: string[];
}

export function filtersOf(p: Params): Filter[] {
  return p.group('Filter').map((f) => ({ name: f.str('Name') ?? '', values: f.list('Value') }));
}

/** EC2's filter wildcards: `*` any run, `?` one character, `\` escapes the next. Case matters. */
export function wildcard(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

/** How one filter name reads a resource: every value it has for that name. */
export type FilterAttributes<T> = Record<string, (r: T) => readonly (string | number | boolean | undefined)[]>;

/**
 * The resources every filter matches: a filter matches when any of its values matches any
 * of the resource's values; tag:KEY, tag-key and tag-value work on every kind.
 */
export function applyFilters<T extends { tags: Tag[] }>(items: readonly T[], filters: readonly Filter[], attributes: FilterAttributes<T>): T[] {
  const tests = filters.map((f) => {
    let read: (r: T) => readonly (string | number | boolean | undefined)[];
    if (f.name.startsWith('tag:')) {
      const key = f.name.slice(4);
      read = (r) => r.tags.filter((t) => t.key === key).map((t) => t.value);
    } else if (f.name === 'tag-key') read = (r) => r.tags.map((t) => t.key);
    else if (f.name === 'tag-value') read = (r) => r.tags.map((t) => t.value);
    else if (attributes[f.name]) read = attributes[f.name]!;
    else throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    const patterns = f.values.map(wildcard);
    return (r: T) => read(r).some((v) => v !== undefined && patterns.some((re) => re.test(String(v))));
  });
  return items.filter((r) => tests.every((t) => t(r)));
}

// --- pages ---

export interface PageOptions {
  /** The smallest and largest MaxResults the action accepts. */
  min: number;
  max: number;
  /** Set when the request also named resources by id: EC2 refuses paging then. */
  idsParam?: string;
}

/**
 * One page of `items` for MaxResults and NextToken. The token is opaque to the client; it
 * carries the action and the offset, so a token from another listing is refused.
 */
export function paginate<T>(action: string, items: readonly T[], p: Params, opts: PageOptions): { page: T[]; nextToken?: string } {
  const max = p.int('MaxResults');
  const token = p.str('NextToken');
  if (max !== undefined) {
    if (opts.idsParam) {
      throw new Ec2Error('InvalidParameterCombination', `The parameter ${opts.idsParam} cannot be used with the parameter maxResults`);
    }
    if (max < opts.min || max > opts.max) {
      throw new Ec2Error(
        'InvalidParameterValue',
        `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between ${opts.min} and ${opts.max}.`,
      );
    }
  }
  let offset = 0;
  if (token) {
    const decoded = decodeToken(token);
    if (!decoded || decoded.action !== action) throw new Ec2Error('InvalidParameterValue', `The token '${token}' is invalid.`);
    offset = decoded.offset;
  }
  const size = max ?? (token ? opts.max : items.length);
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextToken: encodeToken(action, next) } : { page };
}

function encodeToken(action: string, offset: number): string {
  return Buffer.from(JSON.stringify({ a: action, o: offset })).toString('base64url');
}

function decodeToken(token: string): { action: string; offset: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown; o?: unknown };
    if (typeof v.a === 'string' && Number.isInteger(v.o) && (v.o as number) >= 0) return { action: v.a, offset: v.o as number };
  } catch {
    // falls through: not a token this sandbox wrote
  }
  return undefined;
}

// --- tags ---

export function tagSet(tags: readonly Tag[]): XmlFields[] {
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

/** Sets or replaces tags, checking them as EC2 does (50 per resource, no aws: prefix). */
export function putTags(target: Tag[], tags: readonly Tag[]): void {
  for (const t of tags) {
    if (t.key === '') throw new Ec2Error('InvalidParameterValue', 'Tag key cannot be empty');
    if (t.key.toLowerCase().startsWith('aws:')) {
      throw new Ec2Error('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
    }
    if (t.key.length > 128) throw new Ec2Error('InvalidParameterValue', `Tag key exceeds the maximum length of 128 characters`);
    if (t.value.length > 256) throw new Ec2Error('InvalidParameterValue', `Tag value exceeds the maximum length of 256 characters`);
    const have = target.find((x) => x.key === t.key);
    if (have) have.value = t.value;
    else target.push({ key: t.key, value: t.value });
  }
  if (target.length > 50) throw new Ec2Error('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
}

/** Tag.N.Key / Tag.N.Value pairs; a missing Value is the empty string. */
export function tagsOf(p: Params, name = 'Tag'): Tag[] {
  return p.group(name).map((t) => ({ key: t.str('Key') ?? '', value: t.str('Value') ?? '' }));
}

/** The tags TagSpecification.N asks for on one resource type; other types are checked, not used. */
export function tagSpecifications(p: Params, resourceType: string, allowed: readonly string[]): Tag[] {
  const tags: Tag[] = [];
  for (const spec of p.group('TagSpecification')) {
    const type = spec.str('ResourceType') ?? '';
    if (!allowed.includes(type)) {
      throw new Ec2Error('InvalidParameterValue', `'${type}' is not a valid taggable resource type for this operation.`);
    }
    if (type === resourceType) tags.push(...tagsOf(spec));
  }
  return tags;
}

// --- addresses ---

/**
 * The address pools. They are in 127.0.0.0/8 but not 127.0.0.1, where nothing listens on
 * their behalf; auto-assigned public addresses, elastic IPs and private addresses each have
 * their own /16, so one can be told from the other at a glance.
 */
export const ADDRESS_POOLS = { public: '127.42', elastic: '127.43', private: '127.31' } as const;

/** A new address of a pool, never one in use; state.serial moves on so addresses do not repeat soon. */
export function nextAddress(state: SandboxState, pool: keyof typeof ADDRESS_POOLS, inUse: (ip: string) => boolean): string {
  for (let tries = 0; tries < 70_000; tries++) {
    state.serial += 1;
    const n = state.serial % 65_536;
    const hi = n >> 8;
    const lo = n & 255;
    if (lo === 0 || lo === 255) continue;
    const ip = `${ADDRESS_POOLS[pool]}.${hi}.${lo}`;
    if (!inUse(ip)) return ip;
  }
  throw new Ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
}

/** `ec2-127-42-0-5.compute-1.sandbox.test`, after AWS's own public names. */
export function publicDnsName(ip: string, region: string): string {
  const zone = region === 'us-east-1' ? 'compute-1' : `${region}.compute`;
  return `ec2-${ip.replaceAll('.', '-')}.${zone}.sandbox.test`;
}

/** `ip-127-31-0-5.ec2.internal`, as AWS names private addresses. */
export function privateDnsName(ip: string, region: string): string {
  return `ip-${ip.replaceAll('.', '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;
}

export function availabilityZone(state: SandboxState): string {
  return `${state.region}a`;
}

// --- the default VPC ---

/** The VPC every sandbox resource lives in: the one of the `default` group the seed made. */
export function defaultVpcId(state: SandboxState): string {
  return state.ec2.securityGroups.find((g) => g.name === 'default')?.vpcId ?? 'vpc-00000000000000001';
}

export function defaultSubnetId(state: SandboxState): string {
  return defaultVpcId(state).replace(/^vpc-/, 'subnet-');
}

/** How long a transition takes at scale 1, in milliseconds. */
export const DELAYS_MS = {
  launch: 2_000,
  stop: 2_000,
  terminate: 2_000,
  image: 4_000,
} as const;

/** A terminated instance stays listed this long (real time), as on AWS. */
export const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;
