import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv } from '../../support/cli.js';

const r53 = mockClient(Route53Client);

const ZONES = [
  { Id: '/hostedzone/Z2AMPLE', Name: 'ample.com.', CallerReference: 'a', ResourceRecordSetCount: 2 },
  { Id: '/hostedzone/Z1AAAA', Name: 'example.com.', CallerReference: 'b', ResourceRecordSetCount: 6 },
];

beforeEach(() => {
  r53.reset();
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: ZONES, IsTruncated: false, MaxItems: 100, Marker: '' });
});

const a = (name: string, ttl: number, ...values: string[]): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: ttl,
  ResourceRecords: values.map((Value) => ({ Value })),
});
const txt = (name: string, value: string): ResourceRecordSet => ({ Name: name, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: value }] });

const changeInputs = () => r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input);
const listInputs = () => r53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input);
const pending = (id = '/change/C2VQAFRSE6OXMY') => ({ ChangeInfo: { Id: id, Status: 'PENDING' as const, SubmittedAt: new Date(0) } });
const status = (s: 'PENDING' | 'INSYNC', id = '/change/C2VQAFRSE6OXMY') => ({ ChangeInfo: { Id: id, Status: s, SubmittedAt: new Date(0) } });

describe('route53:record:list', () => {
  beforeEach(() => {
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org.' }, { Value: 'ns-2.awsdns-02.net.' }] },
        { Name: 'example.com.', Type: 'SOA', TTL: 900, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org. hostmaster. 1 7200 900 1209600 86400' }] },
        {
          Name: 'lb.example.com.',
          Type: 'A',
          AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'dualstack.my-lb.elb.amazonaws.com.', EvaluateTargetHealth: false },
        },
      ],
      IsTruncated: true,
      NextRecordName: 'www.example.com.',
      NextRecordType: 'A',
      MaxItems: 3,
    });
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com.', StartRecordType: 'A' }).resolves({
      ResourceRecordSets: [
        a('www.example.com.', 300, '203.0.113.5'),
        txt('www.example.com.', '"v=spf1 -all"'),
        { Name: '\\052.apps.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'node1.example.com' }] },
      ],
      IsTruncated: false,
      MaxItems: 3,
    });
  });

  it('prints every record set of both pages, an alias as ALIAS target', async () => {
    const r = await runCli(['route53:record:list', 'example.com']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'example.com. NS 172800 ns-1.awsdns-01.org. ns-2.awsdns-02.net.',
        'example.com. SOA 900 ns-1.awsdns-01.org. hostmaster. 1 7200 900 1209600 86400',
        'lb.example.com. A ALIAS dualstack.my-lb.elb.amazonaws.com.',
        'www.example.com. A 300 203.0.113.5',
        'www.example.com. TXT 300 "v=spf1 -all"',
        '*.apps.example.com. CNAME 60 node1.example.com',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('task: route53:record:list example.com\n');
    expect(listInputs()).toEqual([{ HostedZoneId: 'Z1AAAA' }, { HostedZoneId: 'Z1AAAA', StartRecordName: 'www.example.com.', StartRecordType: 'A' }]);
  });

  it('keeps only TYPE (case-insensitive) when given', async () => {
    const r = await runCli(['route53:record:list', 'example.com.', 'a']);
    expect(r.stdout).toBe('lb.example.com. A ALIAS dualstack.my-lb.elb.amazonaws.com.\nwww.example.com. A 300 203.0.113.5\n');
  });

  it('shows alias and values in JSON', async () => {
    r53.on(GetHostedZoneCommand).resolves({ HostedZone: ZONES[1]!, DelegationSet: { NameServers: [] } });
    const r = await runCli(['route53:record:list', 'Z1AAAA', 'A', '--json', '--quiet']);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: 'lb.example.com.', type: 'A', alias: 'dualstack.my-lb.elb.amazonaws.com.', values: [] },
      { name: 'www.example.com.', type: 'A', ttl: 300, values: ['203.0.113.5'] },
    ]);
  });

  it('rejects an unknown record type with exit 2 and calls nothing', async () => {
    const r = await runCli(['route53:record:list', 'example.com', 'BOGUS']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: TYPE 'BOGUS': not a record type/);
    expect(r53.calls()).toHaveLength(0);
  });
});

describe('route53:record:get', () => {
  beforeEach(() => {
    // Route53 lists from the start name onward: the name's own sets, then the names after it.
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com.' }).resolves({
      ResourceRecordSets: [txt('www.example.com.', '"hello"'), a('xyz.example.com.', 300, '198.51.100.1')],
      IsTruncated: true,
      NextRecordName: 'zzz.example.com.',
      MaxItems: 2,
    });
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com.', StartRecordType: 'A' }).resolves({
      ResourceRecordSets: [a('www.example.com.', 300, '203.0.113.5'), txt('www.example.com.', '"hello"')],
      IsTruncated: true,
      NextRecordName: 'xyz.example.com.',
      MaxItems: 2,
    });
  });

  it('returns only records of TYPE, reading one page from the name onward', async () => {
    const r = await runCli(['route53:record:get', 'example.com', 'www', 'A']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('www.example.com. A 300 203.0.113.5\n');
    expect(r.stderr).toBe('task: route53:record:get example.com www A\n');
    expect(listInputs()).toEqual([{ HostedZoneId: 'Z1AAAA', StartRecordName: 'www.example.com.', StartRecordType: 'A' }]);
  });

  it('takes an FQDN inside the zone as NAME and returns every type without TYPE', async () => {
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com.' }).resolves({
      ResourceRecordSets: [a('www.example.com.', 300, '203.0.113.5'), txt('www.example.com.', '"hello"'), a('xyz.example.com.', 300, '198.51.100.1')],
      IsTruncated: false,
      MaxItems: 100,
    });
    const r = await runCli(['route53:record:get', 'example.com', 'WWW.example.com.']);
    expect(r.stdout).toBe('www.example.com. A 300 203.0.113.5\nwww.example.com. TXT 300 "hello"\n');
    expect(listInputs()).toEqual([{ HostedZoneId: 'Z1AAAA', StartRecordName: 'www.example.com.' }]);
  });

  it('is a not-found error when the name has no record of TYPE (a TXT is not an A record)', async () => {
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com.', StartRecordType: 'A' }).resolves({
      ResourceRecordSets: [txt('www.example.com.', '"hello"')],
      IsTruncated: false,
      MaxItems: 100,
    });
    const r = await runCli(['route53:record:get', 'example.com', 'www', 'A']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: no A record www.example.com. in zone example.com. (origin-setup route53:record:list example.com. shows the records)');
  });

  it('rejects an FQDN outside the zone with exit 2', async () => {
    const r = await runCli(['route53:record:get', 'example.com', 'www.example.org.']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: www.example.org. is not inside zone example.com.');
    expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('names the known zones when ZONE is unknown', async () => {
    const r = await runCli(['route53:record:get', 'example.net', 'www']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no hosted zone example.net. (zones: ample.com., example.com.)');
  });
});

describe('route53:record:exist', () => {
  it('prints true when the name has a record set', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [a('www.example.com.', 300, '203.0.113.5')], IsTruncated: false, MaxItems: 100 });
    const r = await runCli(['route53:record:exist', 'example.com', 'www']);
    expect([r.code, r.stdout]).toEqual([0, 'true\n']);
  });

  it('prints false and exits 0 when it has none', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [a('xyz.example.com.', 300, '203.0.113.5')], IsTruncated: false, MaxItems: 100 });
    const r = await runCli(['route53:record:exist', 'example.com', 'www']);
    expect([r.code, r.stdout]).toEqual([0, 'false\n']);
  });
});

describe('route53:record:create', () => {
  const createInput = {
    HostedZoneId: 'Z1AAAA',
    ChangeBatch: {
      Comment: 'add A record www.example.com.',
      Changes: [
        {
          Action: 'CREATE',
          ResourceRecordSet: { Name: 'www.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.5' }] },
        },
      ],
    },
  };

  it('sends one CREATE to the zone and prints the change id and status', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending());
    const r = await runCli(['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/change/C2VQAFRSE6OXMY PENDING\n');
    expect(r.stderr).toBe('task: route53:record:create example.com www A 203.0.113.5\n');
    expect(changeInputs()).toEqual([createInput]);
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(0);
  });

  it('uses --ttl, the zone id, an FQDN NAME and several values', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending());
    r53.on(GetHostedZoneCommand).resolves({ HostedZone: ZONES[1]!, DelegationSet: { NameServers: [] } });
    const r = await runCli(['route53:record:create', '/hostedzone/Z1AAAA', 'pool.example.com', 'a', '203.0.113.5', '203.0.113.6', '--ttl', '60', '--json']);
    expect(r.code).toBe(0);
    expect(changeInputs()[0]!.ChangeBatch!.Changes).toEqual([
      {
        Action: 'CREATE',
        ResourceRecordSet: { Name: 'pool.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.5' }, { Value: '203.0.113.6' }] },
      },
    ]);
    expect(JSON.parse(r.stdout)).toEqual({
      changeId: '/change/C2VQAFRSE6OXMY',
      status: 'PENDING',
      zone: 'Z1AAAA',
      name: 'pool.example.com.',
      type: 'A',
      ttl: 60,
      values: ['203.0.113.5', '203.0.113.6'],
    });
  });

  it('quotes a TXT value for Route53', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending());
    await runCli(['route53:record:create', 'example.com', '_check', 'TXT', 'say "hi"']);
    expect(changeInputs()[0]!.ChangeBatch!.Changes![0]!.ResourceRecordSet!.ResourceRecords).toEqual([{ Value: '"say \\"hi\\""' }]);
  });

  it('--wait polls GetChange until INSYNC, printing each poll under --verbose', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending());
    r53.on(GetChangeCommand).resolvesOnce(status('PENDING')).resolvesOnce(status('PENDING')).resolvesOnce(status('INSYNC'));
    const r = await runCli(['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5', '--wait', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/change/C2VQAFRSE6OXMY INSYNC\n');
    expect(r53.commandCalls(GetChangeCommand).map((c) => c.args[0].input)).toEqual([
      { Id: '/change/C2VQAFRSE6OXMY' },
      { Id: '/change/C2VQAFRSE6OXMY' },
      { Id: '/change/C2VQAFRSE6OXMY' },
    ]);
    const polls = r.stderr.split('\n').filter((l) => l.includes(') change id:'));
    expect(polls).toEqual([
      '  - 1) change id: /change/C2VQAFRSE6OXMY, status: PENDING',
      '  - 2) change id: /change/C2VQAFRSE6OXMY, status: PENDING',
      '  - 3) change id: /change/C2VQAFRSE6OXMY, status: INSYNC',
    ]);
    expect(r.stderr).toContain('task: route53:record:create example.com www A 203.0.113.5 --wait\n');
    expect(r.stderr).toContain('  - CREATE A www.example.com. 300 203.0.113.5 in zone Z1AAAA (example.com.)\n');
  });

  it('--wait prints no poll lines without --verbose', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending());
    r53.on(GetChangeCommand).resolvesOnce(status('PENDING')).resolves(status('INSYNC'));
    const r = await runCli(['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5', '--wait']);
    expect(r.stdout).toBe('/change/C2VQAFRSE6OXMY INSYNC\n');
    expect(r.stderr).toBe('task: route53:record:create example.com www A 203.0.113.5\n');
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(2);
  });

  it('times out after --timeout, exit 1, and the run deletes the record it created', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending());
    r53.on(GetChangeCommand).resolves(status('PENDING'));
    // 20 s is 1 s here (scale 0.05): at the usual 0.001 it was 20 ms, and a first GetChange
    // slower than that on a loaded machine left room for one poll only.
    const r = await runCli(
      ['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5', '--wait', '--timeout', '20'],
      testEnv({ ORIGIN_SETUP_TIME_SCALE: '0.05' }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: timed out after 20s waiting for change /change/C2VQAFRSE6OXMY to be INSYNC');
    expect(r.stderr).toContain('- rolling back what this run created: A record www.example.com.');
    // Delays grow 3, 4.5, 6.75, 10.1 s: a few polls fit in 20 s, not one per second.
    const polls = r53.commandCalls(GetChangeCommand).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(6);
    const undo = changeInputs()[1]!;
    expect(changeInputs()).toHaveLength(2);
    expect(undo.HostedZoneId).toBe('Z1AAAA');
    expect(undo.ChangeBatch!.Changes).toEqual([{ Action: 'DELETE', ResourceRecordSet: createInput.ChangeBatch.Changes[0]!.ResourceRecordSet }]);
  });

  it('turns "already exists" into a clear error naming the value there, and removes nothing', async () => {
    r53.on(ChangeResourceRecordSetsCommand).rejects(
      Object.assign(new Error("[Tried to create resource record set [name='www.example.com.', type='A'] but it already exists]"), {
        // As the SDK parses Route53's <ErrorResponse><Error><Code>InvalidChangeBatch</Code>…
        name: 'InvalidChangeBatch',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [a('www.example.com.', 300, '198.51.100.9')], IsTruncated: false, MaxItems: 100 });
    const r = await runCli(['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: A record www.example.com. already exists (value 198.51.100.9) (delete it first: origin-setup route53:record:delete example.com. www A 198.51.100.9)',
    );
    expect(r.stderr).not.toContain('rolling back');
    expect(changeInputs()).toHaveLength(1);
  });

  it.each([
    [['example.com', 'www', 'A', '203.0.113.300'], /VALUE '203\.0\.113\.300' for a A record: not an IPv4 address/],
    [['example.com', 'www', 'A', 'host.example.com'], /not an IPv4 address/],
    [['example.com', 'www', 'AAAA', '203.0.113.5'], /not an IPv6 address/],
    [['example.com', 'www', 'MAGIC', '1'], /TYPE 'MAGIC': not a record type/],
    [['example.com', 'bad_name!', 'A', '203.0.113.5'], /NAME 'bad_name!': not a DNS name/],
    [['example.com', 'www', 'A', '203.0.113.5', '--ttl', '0'], /--ttl: must be greater than 0/],
    [['example.com', 'www', 'A'], /missing required argument 'value'/],
  ])('rejects %j with exit 2 before calling AWS', async (args, message) => {
    const r = await runCli(['route53:record:create', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage: origin-setup route53:record:create/);
    expect(r53.calls()).toHaveLength(0);
  });

  it('--dry-run prints what would be sent and sends nothing', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 100 });
    const r = await runCli(['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5', '--dry-run', '--wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('would CREATE A www.example.com. 300 203.0.113.5');
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(0);
  });

  it('--dry-run reports a record that is already there', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [a('www.example.com.', 300, '198.51.100.9')], IsTruncated: false, MaxItems: 100 });
    const r = await runCli(['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: A record www.example.com. already exists (value 198.51.100.9)');
    expect(r.stderr).not.toContain('would CREATE');
    expect(changeInputs()).toHaveLength(0);
  });
});

describe('route53:record:delete', () => {
  const thereWithTtl60 = () =>
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com.', StartRecordType: 'A' }).resolves({
      ResourceRecordSets: [a('www.example.com.', 60, '203.0.113.5'), txt('www.example.com.', '"hello"')],
      IsTruncated: false,
      MaxItems: 100,
    });

  it('looks the record up and sends a DELETE carrying its actual TTL', async () => {
    thereWithTtl60();
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending('/change/C3ORAEV7FTLPBJ'));
    const r = await runCli(['route53:record:delete', 'example.com', 'www', 'A', '203.0.113.5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/change/C3ORAEV7FTLPBJ PENDING\n');
    expect(listInputs()).toEqual([{ HostedZoneId: 'Z1AAAA', StartRecordName: 'www.example.com.', StartRecordType: 'A' }]);
    expect(changeInputs()).toEqual([
      {
        HostedZoneId: 'Z1AAAA',
        ChangeBatch: {
          Comment: 'delete A record www.example.com.',
          Changes: [{ Action: 'DELETE', ResourceRecordSet: { Name: 'www.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.5' }] } }],
        },
      },
    ]);
  });

  it('--wait polls until INSYNC', async () => {
    thereWithTtl60();
    r53.on(ChangeResourceRecordSetsCommand).resolves(pending('/change/C3ORAEV7FTLPBJ'));
    r53.on(GetChangeCommand).resolvesOnce(status('PENDING', '/change/C3ORAEV7FTLPBJ')).resolves(status('INSYNC', '/change/C3ORAEV7FTLPBJ'));
    const r = await runCli(['route53:record:delete', 'example.com', 'www', 'A', '203.0.113.5', '--wait', '--json', '--quiet']);
    expect(JSON.parse(r.stdout)).toEqual({
      changeId: '/change/C3ORAEV7FTLPBJ',
      status: 'INSYNC',
      zone: 'Z1AAAA',
      name: 'www.example.com.',
      type: 'A',
      ttl: 60,
      values: ['203.0.113.5'],
    });
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(2);
  });

  it('is a not-found error when no such record exists', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [txt('www.example.com.', '"hello"')], IsTruncated: false, MaxItems: 100 });
    const r = await runCli(['route53:record:delete', 'example.com', 'www', 'A', '203.0.113.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: no A record www.example.com. in zone example.com. (origin-setup route53:record:get example.com. www shows what is there)',
    );
    expect(changeInputs()).toHaveLength(0);
  });

  it('refuses when the value differs, naming the value there', async () => {
    thereWithTtl60();
    const r = await runCli(['route53:record:delete', 'example.com', 'www', 'A', '198.51.100.9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: A record www.example.com. has value 203.0.113.5, not 198.51.100.9 (delete removes only an exact match: give every value of the record)',
    );
    expect(changeInputs()).toHaveLength(0);
  });

  it('--dry-run looks the record up, prints the DELETE it would send, and sends nothing', async () => {
    thereWithTtl60();
    const r = await runCli(['route53:record:delete', 'example.com', 'www', 'A', '203.0.113.5', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('would DELETE A www.example.com. 60 203.0.113.5');
    expect(changeInputs()).toHaveLength(0);
  });

  it('rejects a bad IPv4 value with exit 2', async () => {
    const r = await runCli(['route53:record:delete', 'example.com', 'www', 'A', '1.2.3']);
    expect(r.code).toBe(2);
    expect(r53.calls()).toHaveLength(0);
  });
});
