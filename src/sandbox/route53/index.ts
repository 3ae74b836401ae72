// The sandbox's Route53: the REST-XML operations origin-setup (and `aws route53` pointed
// at the sandbox) uses, answering as Route53 does, errors included, so the AWS SDK parses
// every answer with its own deserializers. Each call gets the whole state, changes it in
// place and returns the reply; the server runs it under the state's lock.
import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { nextId, type Reply, type SandboxChange, type SandboxClock, type SandboxRecord, type SandboxState, type SandboxZone } from '../model.js';
import { child, children, parseXml, tag, textOf, XmlError, type XmlElement } from './xml.js';

export interface Route53Request {
  method: string;
  /** The URL's path, without the query: `/2013-04-01/hostedzone/Z…/rrset`. */
  path: string;
  query: URLSearchParams;
  body: string;
}

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const PREFIX = '/2013-04-01';

/** How long a change stays PENDING at speed 1, as Route53 takes a few seconds too. */
export const CHANGE_DELAY_MS = 2000;
/** INSYNC changes older than this are forgotten, so the state does not grow without end. */
const CHANGE_KEEP_MS = 24 * 3600 * 1000;
const CHANGE_KEEP_MAX = 500;

const RECORD_TYPES = new Set(['SOA', 'A', 'TXT', 'NS', 'CNAME', 'MX', 'NAPTR', 'PTR', 'SRV', 'SPF', 'AAAA', 'CAA', 'DS', 'TLSA', 'SSHFP', 'SVCB', 'HTTPS']);

class Route53Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidInput = (message: string) => new Route53Error(400, 'InvalidInput', message);
const noSuchZone = (id: string) => new Route53Error(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);

export function handleRoute53(state: SandboxState, req: Route53Request, clock: SandboxClock): Reply {
  const requestId = randomUUID();
  try {
    const reply = route(state, req, clock);
    return { ...reply, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, ...reply.headers } };
  } catch (err) {
    if (!(err instanceof Route53Error)) throw err;
    // Route53's error document. InvalidChangeBatch comes this way too, with its messages
    // joined in one bracketed Message: Route53 also has a <InvalidChangeBatch><Messages>
    // form, but the SDK for JavaScript cannot read it (it reports an "Unknown" error).
    const body =
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type>${tag('Code', err.code)}${tag('Message', err.message)}</Error>` +
      `${tag('RequestId', requestId)}</ErrorResponse>`;
    return { status: err.status, body, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } };
  }
}

function route(state: SandboxState, req: Route53Request, clock: SandboxClock): Reply {
  if (!req.path.startsWith(`${PREFIX}/`)) throw new Route53Error(400, 'InvalidAction', `${req.method} ${req.path} is not a Route53 operation`);
  const parts = req.path
    .slice(PREFIX.length + 1)
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p));
  const [resource, id, sub] = parts;
  const m = req.method.toUpperCase();
  if (resource === 'hostedzone' && parts.length === 1 && m === 'GET') return listHostedZones(state, req.query);
  if (resource === 'hostedzone' && parts.length === 1 && m === 'POST') return createHostedZone(state, req.body, clock);
  if (resource === 'hostedzone' && parts.length === 2 && m === 'GET') return getHostedZone(state, id!);
  if (resource === 'hostedzone' && parts.length === 3 && sub === 'rrset' && m === 'GET') return listRecordSets(state, id!, req.query);
  if (resource === 'hostedzone' && parts.length === 3 && sub === 'rrset' && m === 'POST') return changeRecordSets(state, id!, req.body, clock);
  if (resource === 'hostedzonesbyname' && parts.length === 1 && m === 'GET') return listHostedZonesByName(state, req.query);
  if (resource === 'change' && parts.length === 2 && m === 'GET') return getChange(state, id!, clock);
  throw new Route53Error(400, 'InvalidAction', `${m} ${req.path} is not an operation the sandbox's Route53 offers`);
}

function ok(root: string, inner: string, status = 200): Reply {
  return { status, body: `<?xml version="1.0"?>\n<${root} xmlns="${NS}">${inner}</${root}>` };
}

// --- names --------------------------------------------------------------------------

/** A name as stored: lower case, absolute, Route53's `\052` escapes decoded. */
export function storedName(name: string): string {
  const decoded = name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))).toLowerCase();
  return decoded.endsWith('.') ? decoded : `${decoded}.`;
}

/** A name as Route53 returns it: characters other than a-z, 0-9, `-`, `_` and `.` as octal escapes (`*` → `\052`). */
export function wireName(name: string): string {
  return name.replace(/[^a-z0-9_.-]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Route53 lists record sets by name with its labels reversed (`com.example.www.`), then by type. */
function sortKey(name: string): string {
  return name.replace(/\.$/, '').split('.').reverse().join('.');
}

function compareRecords(a: Pick<SandboxRecord, 'name' | 'type'>, b: Pick<SandboxRecord, 'name' | 'type'>): number {
  const ka = sortKey(a.name);
  const kb = sortKey(b.name);
  return ka < kb ? -1 : ka > kb ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

function inZone(name: string, zone: SandboxZone): boolean {
  return name === zone.name || name.endsWith(`.${zone.name}`);
}

function validDomain(name: string): boolean {
  const labels = name.replace(/\.$/, '').split('.');
  return name.length <= 255 && labels.every((l) => l.length > 0 && l.length <= 63);
}

// --- hosted zones -------------------------------------------------------------------

function findZone(state: SandboxState, rawId: string): SandboxZone {
  const id = rawId.replace(/^\/?hostedzone\//, '');
  if (id.length > 32) {
    throw invalidInput(`1 validation error detected: Value '${id}' at 'id' failed to satisfy constraint: Member must have length less than or equal to 32`);
  }
  const zone = state.route53.zones.find((z) => z.id === id);
  if (!zone) throw noSuchZone(id);
  return zone;
}

/** Four name servers that stay the same for a zone, in Route53's style. */
function nameServers(zone: SandboxZone): string[] {
  let h = 0;
  for (const c of zone.id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const n = (k: number) => ((h >>> (k * 5)) % 2048).toString();
  const m = (k: number) => (((h >>> (k * 3)) % 64) + 1).toString().padStart(2, '0');
  return [`ns-${n(0)}.awsdns-${m(0)}.org`, `ns-${n(1)}.awsdns-${m(1)}.co.uk`, `ns-${n(2)}.awsdns-${m(2)}.com`, `ns-${n(3)}.awsdns-${m(3)}.net`];
}

function zoneXml(zone: SandboxZone): string {
  return (
    `<HostedZone>${tag('Id', `/hostedzone/${zone.id}`)}${tag('Name', wireName(zone.name))}${tag('CallerReference', zone.callerReference)}` +
    `<Config>${tag('Comment', zone.comment)}${tag('PrivateZone', zone.privateZone)}</Config>` +
    `${tag('ResourceRecordSetCount', zone.records.length)}</HostedZone>`
  );
}

function delegationXml(zone: SandboxZone): string {
  return `<DelegationSet><NameServers>${nameServers(zone)
    .map((n) => tag('NameServer', n))
    .join('')}</NameServers></DelegationSet>`;
}

function vpcXml(vpc: { id: string; region: string }): string {
  return `<VPC>${tag('VPCRegion', vpc.region)}${tag('VPCId', vpc.id)}</VPC>`;
}

function maxItems(query: URLSearchParams, fallback: number, most: number): number {
  const raw = query.get('maxitems');
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw invalidInput(`maxitems '${raw}' is not a positive whole number`);
  return Math.min(n, most);
}

/** Zones in the order ListHostedZones gives them: by id, which is the order they were made in. */
function zonesById(state: SandboxState): SandboxZone[] {
  return [...state.route53.zones].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function listHostedZones(state: SandboxState, query: URLSearchParams): Reply {
  const max = maxItems(query, 100, 100);
  const zones = zonesById(state);
  const marker = query.get('marker') ?? '';
  let start = 0;
  if (marker) {
    start = zones.findIndex((z) => z.id === marker.replace(/^\/?hostedzone\//, ''));
    if (start < 0) throw invalidInput(`Invalid marker: ${marker}`);
  }
  const page = zones.slice(start, start + max);
  const next = zones[start + max];
  return ok(
    'ListHostedZonesResponse',
    `<HostedZones>${page.map(zoneXml).join('')}</HostedZones>${tag('Marker', marker)}${tag('IsTruncated', next !== undefined)}` +
      `${next ? tag('NextMarker', next.id) : ''}${tag('MaxItems', max)}`,
  );
}

function listHostedZonesByName(state: SandboxState, query: URLSearchParams): Reply {
  const max = maxItems(query, 100, 100);
  const dnsName = query.get('dnsname') ?? undefined;
  const startId = query.get('hostedzoneid') ?? undefined;
  if (startId && !dnsName) throw invalidInput('hostedzoneid can be given only with dnsname');
  const zones = [...state.route53.zones].sort((a, b) => {
    const ka = sortKey(a.name);
    const kb = sortKey(b.name);
    return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  let start = 0;
  if (dnsName) {
    const key = sortKey(storedName(dnsName));
    start = zones.findIndex((z) => {
      const k = sortKey(z.name);
      return k > key || (k === key && (!startId || z.id >= startId));
    });
    if (start < 0) start = zones.length;
  }
  const page = zones.slice(start, start + max);
  const next = zones[start + max];
  return ok(
    'ListHostedZonesByNameResponse',
    `<HostedZones>${page.map(zoneXml).join('')}</HostedZones>${tag('DNSName', dnsName)}${tag('HostedZoneId', startId)}` +
      `${tag('IsTruncated', next !== undefined)}${next ? tag('NextDNSName', wireName(next.name)) + tag('NextHostedZoneId', next.id) : ''}${tag('MaxItems', max)}`,
  );
}

function getHostedZone(state: SandboxState, id: string): Reply {
  const zone = findZone(state, id);
  const where = zone.privateZone ? `<VPCs>${(zone.vpcs ?? []).map(vpcXml).join('')}</VPCs>` : delegationXml(zone);
  return ok('GetHostedZoneResponse', `${zoneXml(zone)}${where}`);
}

export interface NewZone {
  name: string;
  callerReference: string;
  comment?: string;
  vpc?: { id: string; region: string };
}

/** A new hosted zone with its SOA and NS record sets, as Route53 makes one. */
export function addZone(state: SandboxState, spec: NewZone): SandboxZone {
  const zone: SandboxZone = {
    id: nextId(state, 'Z', 20, true),
    name: storedName(spec.name),
    callerReference: spec.callerReference,
    ...(spec.comment !== undefined ? { comment: spec.comment } : {}),
    privateZone: spec.vpc !== undefined,
    ...(spec.vpc ? { vpcs: [spec.vpc] } : {}),
    records: [],
  };
  const servers = nameServers(zone);
  zone.records.push(
    { name: zone.name, type: 'NS', ttl: 172800, values: servers.map((s) => `${s}.`) },
    { name: zone.name, type: 'SOA', ttl: 900, values: [`${servers[0]}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] },
  );
  state.route53.zones.push(zone);
  return zone;
}

function parseBody(body: string, root: string): XmlElement {
  let doc: XmlElement;
  try {
    doc = parseXml(body);
  } catch (err) {
    if (err instanceof XmlError) throw new Route53Error(400, 'MalformedInput', `Could not parse the request body: ${err.message}`);
    throw err;
  }
  if (doc.name !== root) throw new Route53Error(400, 'MalformedInput', `${doc.name} is not valid, expected ${root}`);
  return doc;
}

function createHostedZone(state: SandboxState, body: string, clock: SandboxClock): Reply {
  const doc = parseBody(body, 'CreateHostedZoneRequest');
  const name = textOf(doc, 'Name');
  const callerReference = textOf(doc, 'CallerReference');
  if (!name) throw invalidInput("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  if (!callerReference) {
    throw invalidInput("1 validation error detected: Value null at 'callerReference' failed to satisfy constraint: Member must not be null");
  }
  const stored = storedName(name);
  if (!validDomain(stored)) throw new Route53Error(400, 'InvalidDomainName', `${name} is not a valid domain name`);
  // A CallerReference can be used once: a retried request finds its zone already made.
  if (state.route53.zones.some((z) => z.callerReference === callerReference)) {
    throw new Route53Error(409, 'HostedZoneAlreadyExists', `A hosted zone has already been created with the specified caller reference.`);
  }
  const config = child(doc, 'HostedZoneConfig');
  const vpcEl = child(doc, 'VPC');
  const vpc = vpcEl ? { id: textOf(vpcEl, 'VPCId') ?? '', region: textOf(vpcEl, 'VPCRegion') ?? state.region } : undefined;
  if (textOf(config, 'PrivateZone') === 'true' && !vpc) throw invalidInput('A private hosted zone needs a VPC (the VPC element)');
  const comment = textOf(config, 'Comment');
  const zone = addZone(state, { name, callerReference, ...(comment ? { comment } : {}), ...(vpc ? { vpc } : {}) });
  const change = addChange(state, clock);
  return {
    ...ok('CreateHostedZoneResponse', `${zoneXml(zone)}${changeXml(change, clock)}${zone.privateZone ? vpcXml(vpc!) : delegationXml(zone)}`, 201),
    headers: { location: `https://route53.amazonaws.com${PREFIX}/hostedzone/${zone.id}` },
  };
}

// --- record sets --------------------------------------------------------------------

function recordXml(r: SandboxRecord): string {
  return (
    `<ResourceRecordSet>${tag('Name', wireName(r.name))}${tag('Type', r.type)}${tag('TTL', r.ttl)}` +
    `<ResourceRecords>${r.values.map((v) => `<ResourceRecord>${tag('Value', v)}</ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet>`
  );
}

function listRecordSets(state: SandboxState, id: string, query: URLSearchParams): Reply {
  const zone = findZone(state, id);
  const max = maxItems(query, 300, 300);
  const name = query.get('name');
  const type = query.get('type');
  if (type && !name) throw invalidInput('The type parameter can be given only together with the name parameter');
  if (type && !RECORD_TYPES.has(type)) throw invalidInput(`Invalid type: ${type}`);
  const sorted = [...zone.records].sort(compareRecords);
  let start = 0;
  if (name) {
    const from = { name: storedName(name), type: type ?? '' };
    start = sorted.findIndex((r) => compareRecords(r, from) >= 0);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + max);
  const next = sorted[start + max];
  return ok(
    'ListResourceRecordSetsResponse',
    `<ResourceRecordSets>${page.map(recordXml).join('')}</ResourceRecordSets>${tag('IsTruncated', next !== undefined)}` +
      `${next ? tag('NextRecordName', wireName(next.name)) + tag('NextRecordType', next.type) : ''}${tag('MaxItems', max)}`,
  );
}

interface ParsedChange {
  action: string;
  record: SandboxRecord;
}

function parseChanges(doc: XmlElement): { comment?: string; changes: ParsedChange[] } {
  const batch = child(doc, 'ChangeBatch');
  if (!batch) throw invalidInput("1 validation error detected: Value null at 'changeBatch' failed to satisfy constraint: Member must not be null");
  const list = children(child(batch, 'Changes'), 'Change');
  if (list.length === 0) {
    throw invalidInput(
      "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const changes = list.map((c, i): ParsedChange => {
    const at = `changeBatch.changes.${i + 1}.member`;
    const action = textOf(c, 'Action') ?? '';
    if (!['CREATE', 'DELETE', 'UPSERT'].includes(action)) {
      throw invalidInput(
        `1 validation error detected: Value '${action}' at '${at}.action' failed to satisfy constraint: Member must satisfy enum value set: [UPSERT, DELETE, CREATE]`,
      );
    }
    const set = child(c, 'ResourceRecordSet');
    const rawName = textOf(set, 'Name');
    const type = textOf(set, 'Type') ?? '';
    if (!set || !rawName)
      throw invalidInput(`1 validation error detected: Value null at '${at}.resourceRecordSet.name' failed to satisfy constraint: Member must not be null`);
    if (!RECORD_TYPES.has(type)) {
      throw invalidInput(
        `1 validation error detected: Value '${type}' at '${at}.resourceRecordSet.type' failed to satisfy constraint: Member must satisfy enum value set: [${[...RECORD_TYPES].join(', ')}]`,
      );
    }
    const name = storedName(rawName);
    // Routing policies and alias targets are not modelled; saying so beats storing half of them.
    for (const unsupported of [
      'AliasTarget',
      'SetIdentifier',
      'Weight',
      'Region',
      'GeoLocation',
      'Failover',
      'MultiValueAnswer',
      'TrafficPolicyInstanceId',
      'CidrRoutingConfig',
      'GeoProximityLocation',
    ]) {
      if (child(set, unsupported)) throw invalidInput(`The sandbox's Route53 does not support ${unsupported} (record set ${wireName(name)} ${type})`);
    }
    const ttlText = textOf(set, 'TTL');
    const values = children(child(set, 'ResourceRecords'), 'ResourceRecord').map((r) => textOf(r, 'Value') ?? '');
    if (ttlText === undefined || values.length === 0) {
      throw invalidInput(
        `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${action}, Name=${wireName(name)}, Type=${type}, SetIdentifier=null]`,
      );
    }
    const ttl = Number(ttlText);
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647) {
      throw invalidInput(
        `1 validation error detected: Value '${ttlText}' at '${at}.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647`,
      );
    }
    return { action, record: { name, type, ttl, values } };
  });
  const comment = textOf(batch, 'Comment');
  return { ...(comment ? { comment } : {}), changes };
}

function sameSet(a: SandboxRecord, b: SandboxRecord): boolean {
  const sorted = (vs: string[]) => JSON.stringify([...vs].sort());
  return a.ttl === b.ttl && sorted(a.values) === sorted(b.values);
}

/** Route53's own problem with one value, if any (only the checks of A and AAAA are modelled). */
function valueProblem(r: SandboxRecord): string | undefined {
  for (const v of r.values) {
    if (r.type === 'A' && !isIPv4(v)) {
      return `Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}''`;
    }
    if (r.type === 'AAAA' && !isIPv6(v)) {
      return `Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}''`;
    }
  }
  return undefined;
}

/**
 * Checks the whole batch against a copy of the zone's records, change after change (so a
 * DELETE then a CREATE of one record set is fine), and applies it only when every change
 * is valid: Route53 makes all of a batch or none of it.
 */
function changeRecordSets(state: SandboxState, id: string, body: string, clock: SandboxClock): Reply {
  const doc = parseBody(body, 'ChangeResourceRecordSetsRequest');
  const zone = findZone(state, id);
  const { comment, changes } = parseChanges(doc);
  const records = zone.records.map((r) => ({ ...r, values: [...r.values] }));
  const problems: string[] = [];
  for (const { action, record } of changes) {
    const n = wireName(record.name);
    const label = `[name='${n}', type='${record.type}']`;
    if (!inZone(record.name, zone)) {
      problems.push(`RRSet with DNS name ${n} is not permitted in zone ${wireName(zone.name)}`);
      continue;
    }
    const at = records.findIndex((r) => r.name === record.name && r.type === record.type);
    if (action === 'DELETE') {
      if (at < 0) problems.push(`Tried to delete resource record set ${label} but it was not found`);
      else if (!sameSet(records[at]!, record))
        problems.push(`Tried to delete resource record set ${label} but the values provided do not match the current values`);
      else if (record.name === zone.name && record.type === 'SOA') problems.push('A HostedZone must contain exactly one SOA record.');
      else if (record.name === zone.name && record.type === 'NS') problems.push('A HostedZone must contain at least one NS record for the zone itself.');
      else records.splice(at, 1);
      continue;
    }
    if (action === 'CREATE' && at >= 0) {
      problems.push(`Tried to create resource record set ${label} but it already exists`);
      continue;
    }
    const others = records.filter((r) => r.name === record.name && r.type !== record.type);
    if (record.type === 'CNAME' && others.length > 0) {
      problems.push(
        `RRSet of type CNAME with DNS name ${n} is not permitted as it conflicts with other records with the same DNS name in zone ${wireName(zone.name)}`,
      );
      continue;
    }
    if (others.some((r) => r.type === 'CNAME')) {
      problems.push(
        `RRSet of type ${record.type} with DNS name ${n} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${wireName(zone.name)}`,
      );
      continue;
    }
    const bad = valueProblem(record);
    if (bad) {
      problems.push(bad);
      continue;
    }
    if (at >= 0) records[at] = record;
    else records.push(record);
  }
  if (problems.length > 0) throw new Route53Error(400, 'InvalidChangeBatch', `[${problems.join(', ')}]`);
  zone.records = records.sort(compareRecords);
  const change = addChange(state, clock, comment);
  return ok('ChangeResourceRecordSetsResponse', changeXml(change, clock));
}

// --- changes ------------------------------------------------------------------------

function addChange(state: SandboxState, clock: SandboxClock, comment?: string): SandboxChange {
  const now = clock.now();
  const change: SandboxChange = {
    id: nextId(state, 'C', 13, true),
    submittedAt: new Date(now).toISOString(),
    insyncAt: now + Math.round(CHANGE_DELAY_MS * clock.scale),
    ...(comment ? { comment } : {}),
  };
  const kept = state.route53.changes.filter((c) => c.insyncAt > now - CHANGE_KEEP_MS);
  state.route53.changes = [...kept.slice(-(CHANGE_KEEP_MAX - 1)), change];
  return change;
}

function changeXml(change: SandboxChange, clock: SandboxClock): string {
  const status = clock.now() >= change.insyncAt ? 'INSYNC' : 'PENDING';
  return `<ChangeInfo>${tag('Id', `/change/${change.id}`)}${tag('Status', status)}${tag('SubmittedAt', change.submittedAt)}${tag('Comment', change.comment)}</ChangeInfo>`;
}

function getChange(state: SandboxState, rawId: string, clock: SandboxClock): Reply {
  const id = rawId.replace(/^\/?change\//, '');
  const change = state.route53.changes.find((c) => c.id === id);
  if (!change) throw new Route53Error(404, 'NoSuchChange', `A change with the specified change ID does not exist.`);
  return ok('GetChangeResponse', changeXml(change, clock));
}
