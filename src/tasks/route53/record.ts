// route53:record:* — record sets in a hosted zone. ZONE is a zone name or id; NAME is
// the host part or an FQDN inside the zone.
import { fqdnIn } from '../../aws/route53-names.js';
import {
  createRecord,
  deleteRecord,
  findRecords,
  listRecords,
  parseRecordType,
  recordLine,
  recordSet,
  recordValue,
  viewRecord,
  waitForChange,
  type ChangeResult,
  type RecordView,
} from '../../aws/route53-records.js';
import { resolveZone } from '../../aws/route53-zones.js';
import type { TaskContext } from '../../engine/context.js';
import { NotFoundError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { positive, recordName, recordType } from '../../engine/validate.js';

const zoneArg = { name: 'zone', description: 'zone name (with or without the trailing dot) or zone id' } as const;
const nameArg = { name: 'name', description: 'host part (www, @ for the apex) or an FQDN inside the zone', validate: recordName } as const;
const typeArg = { name: 'type', description: 'record type: A, AAAA, CNAME, MX, TXT, …', validate: recordType } as const;
const valueArg = { name: 'value', description: 'record value; several for a multi-value record set', variadic: true } as const;

const waitOptions = {
  wait: { type: 'boolean', description: 'wait until Route53 reports the change INSYNC' },
  timeout: {
    type: 'number',
    description: 'seconds to wait with --wait',
    default: 300,
    placeholder: 'SECONDS',
    validate: positive,
  },
} as const;

const renderRecords = (records: RecordView[]) => records.map(recordLine).join('\n');

interface ChangeOutput extends ChangeResult, RecordView {
  zone: string;
}

async function settle(ctx: TaskContext, change: ChangeResult, wait: boolean, timeout: number): Promise<ChangeResult> {
  return wait && change.status !== 'INSYNC' ? waitForChange(ctx, change.changeId, timeout) : change;
}

export const recordList = defineTask({
  name: 'route53:record:list',
  summary: 'list the record sets of a zone: name type ttl value…',
  args: [zoneArg, { ...typeArg, optional: true }],
  options: {},
  example: 'origin-setup route53:record:list example.com A',
  async run(ctx, { zone, type }) {
    const rrtype = type === undefined ? undefined : parseRecordType(type);
    return (await listRecords(ctx, await resolveZone(ctx, zone), rrtype)).map(viewRecord);
  },
  render: renderRecords,
});

export const recordGet = defineTask({
  name: 'route53:record:get',
  summary: 'show the record sets at a name (only of TYPE when given)',
  args: [zoneArg, nameArg, { ...typeArg, optional: true }],
  options: {},
  example: 'origin-setup route53:record:get example.com www A',
  async run(ctx, { zone, name, type }) {
    const rrtype = type === undefined ? undefined : parseRecordType(type);
    const z = await resolveZone(ctx, zone);
    const fqdn = fqdnIn(z, name);
    const found = (await findRecords(ctx, z, fqdn, rrtype)).map(viewRecord);
    if (found.length === 0) {
      throw new NotFoundError(`no ${rrtype ? `${rrtype} ` : ''}record ${fqdn} in zone ${z.name}`, {
        hint: `origin-setup route53:record:list ${z.name} shows the records`,
      });
    }
    return found;
  },
  render: renderRecords,
});

export const recordExist = defineTask({
  name: 'route53:record:exist',
  summary: 'print true if a record set exists at the name (of TYPE when given), else false',
  args: [zoneArg, nameArg, { ...typeArg, optional: true }],
  options: {},
  example: 'origin-setup route53:record:exist example.com www',
  async run(ctx, { zone, name, type }) {
    const rrtype = type === undefined ? undefined : parseRecordType(type);
    const z = await resolveZone(ctx, zone);
    const found = await findRecords(ctx, z, fqdnIn(z, name), rrtype);
    for (const r of found) ctx.log.verbose(recordLine(viewRecord(r)));
    return found.length > 0;
  },
  render: (exists) => String(exists),
});

export const recordCreate = defineTask({
  name: 'route53:record:create',
  summary: 'create a record set (fails if one of that name and type exists)',
  args: [zoneArg, nameArg, typeArg, valueArg],
  options: {
    ttl: { type: 'number', description: 'time to live in seconds', default: 300, validate: positive },
    ...waitOptions,
  },
  example: 'origin-setup route53:record:create example.com www A 203.0.113.5 --wait',
  async run(ctx, { zone, name, type, value }, { ttl, wait, timeout }): Promise<ChangeOutput> {
    const rrtype = parseRecordType(type);
    const values = value.map((v) => recordValue(rrtype, v));
    const z = await resolveZone(ctx, zone);
    const set = recordSet(fqdnIn(z, name), rrtype, ttl, values);
    const change = await settle(ctx, await createRecord(ctx, z, set), wait, timeout);
    return { ...change, zone: z.id, ...viewRecord(set) };
  },
  render: (r) => `${r.changeId} ${r.status}`,
});

export const recordDelete = defineTask({
  name: 'route53:record:delete',
  summary: 'delete a record set; TYPE and VALUE must match it exactly',
  args: [zoneArg, nameArg, typeArg, valueArg],
  options: { ...waitOptions },
  example: 'origin-setup route53:record:delete example.com www A 203.0.113.5 --wait',
  async run(ctx, { zone, name, type, value }, { wait, timeout }): Promise<ChangeOutput> {
    const rrtype = parseRecordType(type);
    const values = value.map((v) => recordValue(rrtype, v));
    const z = await resolveZone(ctx, zone);
    const { change, set } = await deleteRecord(ctx, z, fqdnIn(z, name), rrtype, values);
    return { ...(await settle(ctx, change, wait, timeout)), zone: z.id, ...viewRecord(set) };
  },
  render: (r) => `${r.changeId} ${r.status}`,
});

export const recordTasks: SomeTask[] = [recordList, recordGet, recordCreate, recordDelete, recordExist];
