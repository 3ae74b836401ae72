// The sandbox's Route53 through the real AWS SDK client, over HTTP to startSandbox: what
// the SDK makes of each answer is what origin-setup will see.
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  paginateListHostedZones,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/engine/errors.js';
import { startSandbox, type SandboxServer } from '../../../src/sandbox/server.js';
import { readState, STATE_FILE } from '../../../src/sandbox/store.js';

let dir: string;
let server: SandboxServer;
let client: Route53Client;
let now: number;
let zoneId: string;

async function open(scale = 1): Promise<void> {
  server = await startSandbox({ dir, scale, now: () => now });
  client = new Route53Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
}

async function shut(): Promise<void> {
  client.destroy();
  await server.close();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-r53-'));
  now = Date.parse('2026-03-01T12:00:00Z');
  await open();
  zoneId = (await readState(dir)).route53.zones[0]!.id;
});
afterEach(async () => {
  await shut();
  rmSync(dir, { recursive: true, force: true });
});

const a = (name: string, value: string, ttl = 300): ResourceRecordSet => ({ Name: name, Type: 'A', TTL: ttl, ResourceRecords: [{ Value: value }] });
const change = (Action: Change['Action'], set: ResourceRecordSet): Change => ({ Action, ResourceRecordSet: set });
const send = (...changes: Change[]) =>
  client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: 'test', Changes: changes } }));

/** The error a promise rejects with, as the SDK made it. */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number; requestId?: string } }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').toBeInstanceOf(Error);
  return err as never;
}

async function names(type?: string): Promise<string[]> {
  const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (out.ResourceRecordSets ?? []).filter((s) => !type || s.Type === type).map((s) => `${s.Name} ${s.Type}`);
}

describe('the endpoint', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers an unknown path with 400 InvalidAction', async () => {
    const res = await fetch(`${server.endpoint}/nothing/here`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidAction</Code>');
  });
});

describe('hosted zones', () => {
  it('has example.test. in a new sandbox, with its SOA and NS record sets', async () => {
    const out = await client.send(new ListHostedZonesCommand({}));
    expect(out.HostedZones).toEqual([
      {
        Id: `/hostedzone/${zoneId}`,
        Name: 'example.test.',
        CallerReference: 'origin-setup-sandbox-seed',
        Config: { Comment: "the sandbox's own zone", PrivateZone: false },
        ResourceRecordSetCount: 2,
      },
    ]);
    expect(out.IsTruncated).toBe(false);
    expect(await names()).toEqual(['example.test. NS', 'example.test. SOA']);
  });

  it('gives a zone with its four name servers, and NoSuchHostedZone for an unknown id', async () => {
    const out = await client.send(new GetHostedZoneCommand({ Id: `/hostedzone/${zoneId}` }));
    expect(out.HostedZone?.Name).toBe('example.test.');
    expect(out.DelegationSet?.NameServers).toHaveLength(4);
    const err = await failure(client.send(new GetHostedZoneCommand({ Id: 'Z0000000000000DOESNOTEXIST' })));
    expect(err.name).toBe('NoSuchHostedZone');
    expect(err.message).toBe('No hosted zone found with ID: Z0000000000000DOESNOTEXIST');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('creates a zone once per CallerReference (HostedZoneAlreadyExists after that)', async () => {
    const out = await client.send(new CreateHostedZoneCommand({ Name: 'infra.example.test', CallerReference: 'ref-1' }));
    expect(out.HostedZone).toMatchObject({ Name: 'infra.example.test.', ResourceRecordSetCount: 2 });
    expect(out.ChangeInfo?.Status).toBe('PENDING');
    expect(out.Location).toBe(`https://route53.amazonaws.com/2013-04-01${out.HostedZone!.Id}`);
    expect(out.DelegationSet?.NameServers).toHaveLength(4);
    const err = await failure(client.send(new CreateHostedZoneCommand({ Name: 'other.test', CallerReference: 'ref-1' })));
    expect(err.name).toBe('HostedZoneAlreadyExists');
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect((await readState(dir)).route53.zones).toHaveLength(2);
  });

  it('pages ListHostedZones by marker, and the SDK paginator reads every page', async () => {
    for (let i = 1; i <= 6; i++) await client.send(new CreateHostedZoneCommand({ Name: `z${i}.test`, CallerReference: `r${i}` }));
    const first = await client.send(new ListHostedZonesCommand({ MaxItems: 3 }));
    expect(first.HostedZones?.map((z) => z.Name)).toEqual(['example.test.', 'z1.test.', 'z2.test.']);
    expect(first).toMatchObject({ IsTruncated: true, MaxItems: 3 });
    const second = await client.send(new ListHostedZonesCommand({ MaxItems: 3, Marker: first.NextMarker }));
    expect(second.HostedZones?.map((z) => z.Name)).toEqual(['z3.test.', 'z4.test.', 'z5.test.']);
    const all: string[] = [];
    for await (const page of paginateListHostedZones({ client, pageSize: 2 }, {})) all.push(...(page.HostedZones ?? []).map((z) => z.Name!));
    expect(all).toEqual(['example.test.', 'z1.test.', 'z2.test.', 'z3.test.', 'z4.test.', 'z5.test.', 'z6.test.']);
  });

  it('lists zones by name, labels reversed', async () => {
    for (const n of ['b.test', 'a.example.test', 'c.example.test']) await client.send(new CreateHostedZoneCommand({ Name: n, CallerReference: n }));
    const out = await client.send(new ListHostedZonesByNameCommand({ MaxItems: 2 }));
    expect(out.HostedZones?.map((z) => z.Name)).toEqual(['b.test.', 'example.test.']);
    expect(out).toMatchObject({ IsTruncated: true, NextDNSName: 'a.example.test.' });
    const rest = await client.send(new ListHostedZonesByNameCommand({ DNSName: out.NextDNSName, HostedZoneId: out.NextHostedZoneId }));
    expect(rest.HostedZones?.map((z) => z.Name)).toEqual(['a.example.test.', 'c.example.test.']);
  });
});

describe('changes', () => {
  it('creates a record, PENDING until its time has come, then INSYNC', async () => {
    const out = await send(change('CREATE', a('www.example.test', '203.0.113.5')));
    expect(out.ChangeInfo).toMatchObject({ Status: 'PENDING', Comment: 'test', SubmittedAt: new Date(now) });
    const id = out.ChangeInfo!.Id!;
    expect(id).toMatch(/^\/change\/C[0-9A-F]{13}$/);
    now += 1999;
    expect((await client.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('PENDING');
    now += 1;
    expect((await client.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('INSYNC');
    const sets = await client.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'www.example.test', StartRecordType: 'A', MaxItems: 1 }),
    );
    expect(sets.ResourceRecordSets).toEqual([a('www.example.test.', '203.0.113.5')]);
  });

  it('scales the delay with the speed: 0 is INSYNC at once', async () => {
    await shut();
    await open(0);
    const out = await send(change('CREATE', a('fast.example.test', '203.0.113.6')));
    expect(out.ChangeInfo?.Status).toBe('INSYNC');
    await shut();
    await open(3);
    const slow = await send(change('CREATE', a('slow.example.test', '203.0.113.7')));
    now += 5999;
    expect((await client.send(new GetChangeCommand({ Id: slow.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe('PENDING');
  });

  it('answers NoSuchChange for an unknown change id', async () => {
    const err = await failure(client.send(new GetChangeCommand({ Id: '/change/CNOSUCHCHANGE1' })));
    expect(err.name).toBe('NoSuchChange');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it("refuses a CREATE of what exists with Route53's InvalidChangeBatch, as the SDK parses it", async () => {
    await send(change('CREATE', a('x.example.test', '203.0.113.5')));
    const err = await failure(send(change('CREATE', a('x.example.test', '203.0.113.9'))));
    expect(err).toMatchObject({
      name: 'InvalidChangeBatch',
      message: "[Tried to create resource record set [name='x.example.test.', type='A'] but it already exists]",
      $fault: 'client',
    });
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a DELETE that does not match, saying whether nothing or other values are there', async () => {
    await send(change('CREATE', a('y.example.test', '203.0.113.5', 300)));
    const gone = await failure(send(change('DELETE', a('nope.example.test', '203.0.113.5'))));
    expect(gone.message).toBe("[Tried to delete resource record set [name='nope.example.test.', type='A'] but it was not found]");
    const other = await failure(send(change('DELETE', a('y.example.test', '203.0.113.5', 60))));
    expect(other.message).toBe(
      "[Tried to delete resource record set [name='y.example.test.', type='A'] but the values provided do not match the current values]",
    );
    await send(change('DELETE', a('Y.example.test.', '203.0.113.5', 300)));
    expect(await names('A')).toEqual([]);
  });

  it('validates the whole batch first: one bad change and none is made; every problem is named', async () => {
    await send(change('CREATE', a('x.example.test', '203.0.113.5')));
    const err = await failure(
      send(
        change('CREATE', a('new.example.test', '203.0.113.1')),
        change('CREATE', a('x.example.test', '203.0.113.2')),
        change('CREATE', a('host.elsewhere.test', '203.0.113.3')),
      ),
    );
    expect(err.name).toBe('InvalidChangeBatch');
    expect(err.message).toBe(
      "[Tried to create resource record set [name='x.example.test.', type='A'] but it already exists, " +
        'RRSet with DNS name host.elsewhere.test. is not permitted in zone example.test.]',
    );
    expect(await names('A')).toEqual(['x.example.test. A']);
  });

  it('applies a batch in order (DELETE then CREATE of one set), and UPSERT replaces or creates', async () => {
    await send(change('CREATE', a('x.example.test', '203.0.113.5')));
    await send(change('DELETE', a('x.example.test', '203.0.113.5')), change('CREATE', a('x.example.test', '203.0.113.6')));
    await send(change('UPSERT', a('x.example.test', '203.0.113.7', 60)), change('UPSERT', a('z.example.test', '203.0.113.8')));
    const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'x.example.test' }));
    expect(out.ResourceRecordSets?.filter((s) => s.Type === 'A')).toEqual([a('x.example.test.', '203.0.113.7', 60), a('z.example.test.', '203.0.113.8')]);
  });

  it("refuses a CNAME beside other records, and an A value that is no address, in Route53's words", async () => {
    await send(change('CREATE', a('w.example.test', '203.0.113.5')));
    const cname = await failure(send(change('CREATE', { Name: 'w.example.test', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x.example.test' }] })));
    expect(cname.message).toBe(
      '[RRSet of type CNAME with DNS name w.example.test. is not permitted as it conflicts with other records with the same DNS name in zone example.test.]',
    );
    const bad = await failure(send(change('CREATE', a('v.example.test', '203.0.113'))));
    expect(bad.message).toContain("ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '203.0.113'");
  });

  it('keeps the zone apex SOA and NS', async () => {
    const state = await readState(dir);
    const soa = state.route53.zones[0]!.records.find((r) => r.type === 'SOA')!;
    const err = await failure(send(change('DELETE', { Name: soa.name, Type: 'SOA', TTL: soa.ttl, ResourceRecords: soa.values.map((Value) => ({ Value })) })));
    expect(err.message).toBe('[A HostedZone must contain exactly one SOA record.]');
  });

  it('answers InvalidInput for a record set without TTL, and NoSuchHostedZone for a change in no zone', async () => {
    const noTtl = await failure(send(change('CREATE', { Name: 'q.example.test', Type: 'A', ResourceRecords: [{ Value: '203.0.113.5' }] })));
    expect(noTtl.name).toBe('InvalidInput');
    const noZone = await failure(
      client.send(
        new ChangeResourceRecordSetsCommand({ HostedZoneId: 'ZNOSUCHZONE', ChangeBatch: { Changes: [change('CREATE', a('a.example.test', '203.0.113.5'))] } }),
      ),
    );
    expect(noZone.name).toBe('NoSuchHostedZone');
  });
});

describe('record listing', () => {
  it('sorts by name with the labels reversed, then type, and pages with NextRecordName/NextRecordType', async () => {
    const hosts = ['b', 'a', 'mail', 'a.b', 'zz', 'c'];
    await send(...hosts.map((h, i) => change('CREATE', a(`${h}.example.test`, `203.0.113.${i + 1}`))));
    await send(change('CREATE', { Name: 'a.example.test', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"hello"' }] }));
    const seen: string[] = [];
    let start: { StartRecordName?: string; StartRecordType?: 'A' | 'TXT' | 'NS' | 'SOA' } = {};
    let pages = 0;
    for (;;) {
      const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 3, ...start }));
      pages++;
      seen.push(...out.ResourceRecordSets!.map((s) => `${s.Name} ${s.Type}`));
      if (!out.IsTruncated) break;
      start = { StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType as never };
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'example.test. NS',
      'example.test. SOA',
      'a.example.test. A',
      'a.example.test. TXT',
      'b.example.test. A',
      'a.b.example.test. A',
      'c.example.test. A',
      'mail.example.test. A',
      'zz.example.test. A',
    ]);
  });

  it('returns a wildcard name escaped as Route53 does (\\052), and takes it back either way', async () => {
    await send(change('CREATE', a('*.apps.example.test', '203.0.113.5')));
    expect(await names('A')).toEqual(['\\052.apps.example.test. A']);
    await send(change('DELETE', a('\\052.apps.example.test.', '203.0.113.5')));
    expect(await names('A')).toEqual([]);
  });
});

describe('the state', () => {
  it('outlives the server: a new one on the same directory sees the records', async () => {
    await send(change('CREATE', a('kept.example.test', '203.0.113.5')));
    await shut();
    await open();
    expect(await names('A')).toEqual(['kept.example.test. A']);
  });

  it('is refused at start when corrupt, naming the file', async () => {
    await shut();
    writeFileSync(join(dir, STATE_FILE), 'not json');
    const err = await startSandbox({ dir, scale: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(join(dir, STATE_FILE));
    rmSync(join(dir, STATE_FILE));
    await open();
  });

  it('answers 400 SandboxStateError, naming the file, when the file goes bad while it runs', async () => {
    writeFileSync(join(dir, STATE_FILE), '{"format": 99}');
    const err = await failure(client.send(new ListHostedZonesCommand({})));
    expect(err.name).toBe('SandboxStateError');
    expect(err.message).toContain(`sandbox state ${join(dir, STATE_FILE)} has format 99: a newer origin-setup wrote it`);
    expect(err.$metadata.httpStatusCode).toBe(400);
    rmSync(join(dir, STATE_FILE));
  });

  it('close() waits for a request under way', async () => {
    // With Expect: 100-continue the server says "continue" only once it has the request,
    // so close() is called with the request certainly under way, and its body still to come.
    const body = `<?xml version="1.0"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>late.test</Name><CallerReference>late</CallerReference></CreateHostedZoneRequest>`;
    const req = request(`${server.endpoint}/2013-04-01/hostedzone`, {
      method: 'POST',
      headers: { expect: '100-continue', 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
    });
    await new Promise<void>((resolve) => req.on('continue', resolve));
    const closed = server.close();
    req.end(body);
    expect(await answered).toBe(201);
    await closed;
    expect((await readState(dir)).route53.zones.map((z) => z.name)).toContain('late.test.');
    await open();
  });
});
