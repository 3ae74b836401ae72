// Route53 record sets: checking and shaping what a user gives, reading the sets of a
// zone, sending a change (CREATE with its rollback, DELETE of an exact match) and
// waiting for it. route53:record:* and origin:baseinstance both build on these.
import type { Change, ChangeAction, ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';
import { isIPv6 } from 'node:net';
import type { TaskContext } from '../engine/context.js';
import { DryRunStop, NotFoundError, OriginError, UsageError } from '../engine/errors.js';
import { poll } from '../engine/wait.js';
import { ipv4, recordName, recordType } from '../engine/validate.js';
import { absolute, decodeName, hostPart } from './route53-names.js';
import type { Zone } from './route53-zones.js';

/** A record set as printed and as --json shows it. */
export interface RecordView {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  /** The alias target's DNS name, for alias record sets (they have no TTL or values). */
  alias?: string;
  setIdentifier?: string;
}

export interface ChangeResult {
  changeId: string;
  status: string;
}

export function viewRecord(set: ResourceRecordSet): RecordView {
  return {
    name: decodeName(set.Name!),
    type: set.Type!,
    ...(set.AliasTarget ? { alias: set.AliasTarget.DNSName! } : { ttl: set.TTL }),
    values: (set.ResourceRecords ?? []).map((r) => r.Value!),
    ...(set.SetIdentifier ? { setIdentifier: set.SetIdentifier } : {}),
  };
}

/** `name type ttl value…`, or `name type ALIAS target` for an alias record set. */
export function recordLine(r: RecordView): string {
  const body = r.alias !== undefined ? ['ALIAS', r.alias] : [String(r.ttl ?? ''), ...r.values];
  return [r.name, r.type, ...body].join(' ');
}

// ListResourceRecordSets pages by (name, type, identifier) rather than a single token,
// so the SDK has no paginator for it; this generator is the one place that follows
// NextRecordName/NextRecordType/NextRecordIdentifier.
async function* recordPages(ctx: Pick<TaskContext, 'aws'>, zoneId: string, start: { name?: string; type?: string } = {}): AsyncGenerator<ResourceRecordSet[]> {
  const { client, sdk } = await ctx.aws.route53();
  let next: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = {};
  if (start.name) next.StartRecordName = start.name;
  if (start.name && start.type) next.StartRecordType = start.type as RRType;
  for (;;) {
    const out = await client.send(new sdk.ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...next }));
    yield out.ResourceRecordSets ?? [];
    if (!out.IsTruncated || !out.NextRecordName) return;
    next = {
      StartRecordName: out.NextRecordName,
      ...(out.NextRecordType ? { StartRecordType: out.NextRecordType } : {}),
      ...(out.NextRecordIdentifier ? { StartRecordIdentifier: out.NextRecordIdentifier } : {}),
    };
  }
}

/** Every record set in the zone (all pages), optionally of one type. */
export async function listRecords(ctx: Pick<TaskContext, 'aws'>, zone: Zone, type?: string): Promise<ResourceRecordSet[]> {
  const sets: ResourceRecordSet[] = [];
  for await (const page of recordPages(ctx, zone.id)) {
    sets.push(...page.filter((s) => !type || s.Type === type));
  }
  return sets;
}

/**
 * The record sets named exactly `fqdn` (of `type`, when given). Route53 lists in name
 * order, so reading starts at the name and stops at the first other name: usually one call.
 */
export async function findRecords(ctx: Pick<TaskContext, 'aws'>, zone: Zone, fqdn: string, type?: string): Promise<ResourceRecordSet[]> {
  const name = absolute(fqdn);
  const found: ResourceRecordSet[] = [];
  for await (const page of recordPages(ctx, zone.id, { name, type })) {
    for (const set of page) {
      if (absolute(decodeName(set.Name!)) !== name || (type && set.Type !== type)) return found;
      found.push(set);
    }
  }
  return found;
}

/** TYPE as given (`a`, `cname`) → Route53's spelling; a bad type is a usage error. */
export function parseRecordType(type: string): RRType {
  const problem = recordType(type);
  if (problem) throw new UsageError(`TYPE '${type}': ${problem}`);
  return type.toUpperCase() as RRType;
}

/**
 * Checks VALUE against TYPE before anything is sent (exit 2), and puts it in the form
 * Route53 wants: TXT/SPF strings are quoted if the user did not quote them.
 */
export function recordValue(type: string, value: string): string {
  const bad = (why: string) => new UsageError(`VALUE '${value}' for a ${type} record: ${why}`);
  switch (type) {
    case 'A': {
      const problem = ipv4(value);
      if (problem) throw bad(problem);
      return value;
    }
    case 'AAAA':
      if (!isIPv6(value)) throw bad('not an IPv6 address');
      return value;
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      const problem = recordName(value);
      if (problem) throw bad(problem);
      return value;
    }
    case 'TXT':
    case 'SPF':
      return value.startsWith('"') ? value : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
    default:
      if (value.trim() === '') throw bad('empty');
      return value;
  }
}

/** The record set `create` sends. */
export function recordSet(fqdn: string, type: RRType, ttl: number, values: readonly string[]): ResourceRecordSet {
  return { Name: absolute(fqdn), Type: type, TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) };
}

/** `CREATE A www.example.com. 300 203.0.113.5`, for --dry-run and --verbose. */
export function describeChange(action: ChangeAction, set: ResourceRecordSet): string {
  const r = viewRecord(set);
  const body = r.alias !== undefined ? ['ALIAS', r.alias] : [String(r.ttl ?? ''), ...r.values];
  return [action, r.type, r.name, ...body].join(' ');
}

function changeBatchError(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string; messages?: string[] };
  if (e.name !== 'InvalidChangeBatch') return undefined;
  return [...(e.messages ?? []), e.message ?? ''].join(' ');
}

/**
 * Sends one change. Route53 has no DryRun flag, so under --dry-run the change is only
 * described and the run stops successfully, as EC2's DryRun does.
 */
export async function submitChange(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'log'>,
  zone: Zone,
  action: ChangeAction,
  set: ResourceRecordSet,
): Promise<ChangeResult> {
  const text = describeChange(action, set);
  if (ctx.dryRun) throw new DryRunStop(`would ${text} (zone ${zone.id}); nothing was sent`);
  const { client, sdk } = await ctx.aws.route53();
  ctx.log.verbose(`${text} in zone ${zone.id} (${zone.name})`);
  const change: Change = { Action: action, ResourceRecordSet: set };
  const comment = `${action === 'CREATE' ? 'add' : action.toLowerCase()} ${set.Type} record ${set.Name}`;
  const out = await client.send(new sdk.ChangeResourceRecordSetsCommand({ HostedZoneId: zone.id, ChangeBatch: { Comment: comment, Changes: [change] } }));
  const result = { changeId: out.ChangeInfo!.Id!, status: out.ChangeInfo!.Status! };
  ctx.log.verbose(`change id: ${result.changeId}, status: ${result.status}`);
  return result;
}

/** Route53's "already exists", with the record that is there and how to remove it. */
async function alreadyExists(ctx: Pick<TaskContext, 'aws'>, zone: Zone, set: ResourceRecordSet, cause?: unknown): Promise<OriginError> {
  const there = (await findRecords(ctx, zone, set.Name!, set.Type).catch(() => [])).map(viewRecord);
  const value = there.length ? ` (${there.map((r) => (r.alias ? `alias ${r.alias}` : `value ${r.values.join(' ')}`)).join('; ')})` : '';
  const name = decodeName(set.Name!);
  const first = there[0];
  return new OriginError(`${set.Type} record ${name} already exists${value}`, {
    cause,
    hint:
      first && !first.alias
        ? `delete it first: origin-setup route53:record:delete ${zone.name} ${hostPart(zone, name)} ${set.Type} ${first.values.join(' ')}`
        : `origin-setup route53:record:get ${zone.name} ${hostPart(zone, name)} shows it`,
  });
}

/**
 * CREATE, with Route53's "already exists" turned into an error that shows the record
 * there, and a journal entry so a failed run deletes what it added.
 */
export async function createRecord(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'log' | 'journal'>, zone: Zone, set: ResourceRecordSet): Promise<ChangeResult> {
  // A dry run cannot ask Route53, so it looks for a clash itself.
  if (ctx.dryRun && (await findRecords(ctx, zone, set.Name!, set.Type)).length > 0) throw await alreadyExists(ctx, zone, set);
  let result: ChangeResult;
  try {
    result = await submitChange(ctx, zone, 'CREATE', set);
  } catch (err) {
    if (/already exists/i.test(changeBatchError(err) ?? '')) throw await alreadyExists(ctx, zone, set, err);
    throw err;
  }
  ctx.journal.record({
    kind: `${set.Type} record`,
    id: decodeName(set.Name!),
    undo: async () => {
      const { client, sdk } = await ctx.aws.route53();
      await client.send(
        new sdk.ChangeResourceRecordSetsCommand({
          HostedZoneId: zone.id,
          ChangeBatch: { Comment: `roll back ${set.Type} record ${set.Name}`, Changes: [{ Action: 'DELETE', ResourceRecordSet: set }] },
        }),
      );
    },
  });
  return result;
}

function sameValues(type: string, have: readonly string[], want: readonly string[]): boolean {
  const norm = (vs: readonly string[]) => vs.map((v) => (type === 'TXT' || type === 'SPF' ? v : absoluteIfName(type, v).toLowerCase())).sort();
  return JSON.stringify(norm(have)) === JSON.stringify(norm(want));
}

function absoluteIfName(type: string, v: string): string {
  return ['CNAME', 'NS', 'PTR'].includes(type) ? absolute(v) : v;
}

/**
 * DELETE of the record set that is there, found first so the request carries its
 * actual TTL (Route53 deletes only an exact match); VALUE must be all of its values.
 */
export async function deleteRecord(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'log' | 'journal'>,
  zone: Zone,
  fqdn: string,
  type: RRType,
  values: readonly string[],
): Promise<{ change: ChangeResult; set: ResourceRecordSet }> {
  const name = absolute(fqdn);
  const there = await findRecords(ctx, zone, name, type);
  const getHint = `origin-setup route53:record:get ${zone.name} ${hostPart(zone, name)} shows what is there`;
  if (there.length === 0) throw new NotFoundError(`no ${type} record ${name} in zone ${zone.name}`, { hint: getHint });
  const match = there.find(
    (s) =>
      !s.AliasTarget &&
      sameValues(
        type,
        (s.ResourceRecords ?? []).map((r) => r.Value!),
        values,
      ),
  );
  if (!match) {
    const have = there.map((s) => {
      const v = viewRecord(s);
      return v.alias ? `alias ${v.alias}` : v.values.join(' ');
    });
    throw new NotFoundError(`${type} record ${name} has value ${have.join('; ')}, not ${values.join(' ')}`, {
      hint: 'delete removes only an exact match: give every value of the record',
    });
  }
  let change: ChangeResult;
  try {
    change = await submitChange(ctx, zone, 'DELETE', match);
  } catch (err) {
    if (/not found/i.test(changeBatchError(err) ?? '')) {
      throw new NotFoundError(`${type} record ${name} was removed by someone else meanwhile`, { cause: err });
    }
    throw err;
  }
  // Deleted on purpose: a later failure in this run must not try to delete it again.
  ctx.journal.forget(`${type} record`, absolute(decodeName(match.Name!)));
  return { change, set: match };
}

/** Polls GetChange until the change is INSYNC, printing each poll under --verbose. */
export async function waitForChange(
  ctx: Pick<TaskContext, 'aws' | 'log' | 'live' | 'settings' | 'signal'>,
  changeId: string,
  timeoutSeconds: number,
): Promise<ChangeResult> {
  const { client, sdk } = await ctx.aws.route53();
  const live = ctx.live(`waiting for change ${changeId} to be INSYNC`);
  return poll(
    {
      live,
      what: `change ${changeId} to be INSYNC`,
      timeoutSeconds,
      delaySeconds: 3,
      maxDelaySeconds: 15,
      scale: ctx.settings.timeScale,
      signal: ctx.signal,
      hint: 'Route53 accepted the change and may still apply it; raise --timeout to wait longer',
    },
    async (n) => {
      const out = await client.send(new sdk.GetChangeCommand({ Id: changeId }));
      const status = out.ChangeInfo?.Status ?? 'UNKNOWN';
      ctx.log.verbose(`${n}) change id: ${changeId}, status: ${status}`);
      live.phase(`${status} → INSYNC`);
      return status === 'INSYNC' ? { changeId, status } : undefined;
    },
  );
}
