import { GetHostedZoneCommand, ListHostedZonesCommand, Route53Client, type HostedZone } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { fqdnIn, hostPart, inZone } from '../../../src/aws/route53-names.js';
import { orderBySpecificity, type Zone } from '../../../src/aws/route53-zones.js';
import { runCli } from '../../support/cli.js';

const r53 = mockClient(Route53Client);
beforeEach(() => r53.reset());

const hz = (id: string, name: string, records = 2, priv = false): HostedZone => ({
  Id: `/hostedzone/${id}`,
  Name: name,
  CallerReference: `ref-${id}`,
  ResourceRecordSetCount: records,
  Config: { PrivateZone: priv },
});

/** Two pages: the second is only returned when the paginator sends the first page's NextMarker. */
function twoPagesOfZones(first: HostedZone[], second: HostedZone[]): void {
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: first, IsTruncated: true, NextMarker: 'Zmarker2', MaxItems: 2, Marker: '' });
  r53.on(ListHostedZonesCommand, { Marker: 'Zmarker2' }).resolves({ HostedZones: second, IsTruncated: false, MaxItems: 2, Marker: 'Zmarker2' });
}

describe('route53:zone:list', () => {
  it('prints `id name records` for every zone of both pages', async () => {
    twoPagesOfZones([hz('Z1AAAA', 'example.com.', 3), hz('Z2BBBB', 'infra.example.com.', 7)], [hz('Z3CCCC', 'example.org.', 2, true)]);
    const r = await runCli(['route53:zone:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Z1AAAA example.com. 3\nZ2BBBB infra.example.com. 7\nZ3CCCC example.org. 2\n');
    expect(r.stderr).toBe('task: route53:zone:list\n');
    expect(r53.commandCalls(ListHostedZonesCommand)).toHaveLength(2);
  });

  it('gives the zones as JSON with --json', async () => {
    r53.on(ListHostedZonesCommand).resolves({ HostedZones: [hz('Z1AAAA', 'example.com.', 3)], IsTruncated: false, MaxItems: 100, Marker: '' });
    const r = await runCli(['route53:zone:list', '--json', '--quiet']);
    expect(JSON.parse(r.stdout)).toEqual([{ id: 'Z1AAAA', name: 'example.com.', records: 3, private: false }]);
    expect(r.stderr).toBe('');
  });
});

describe('route53:zone:info', () => {
  const detail = {
    HostedZone: hz('Z1AAAA', 'example.com.', 4),
    DelegationSet: { NameServers: ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.net'] },
  };

  it.each(['example.com', 'example.com.', 'EXAMPLE.com'])('finds the zone by name %s and shows its name servers', async (zone) => {
    r53
      .on(ListHostedZonesCommand)
      .resolves({ HostedZones: [hz('Z9ZZZZ', 'ample.com.'), hz('Z1AAAA', 'example.com.', 4)], IsTruncated: false, MaxItems: 100, Marker: '' });
    r53.on(GetHostedZoneCommand).resolves(detail);
    const r = await runCli(['route53:zone:info', zone]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('id Z1AAAA\nname example.com.\nrecords 4\ntype public\nnameservers ns-1.awsdns-01.org ns-2.awsdns-02.net\n');
    expect(r53.commandCalls(GetHostedZoneCommand).map((c) => c.args[0].input)).toEqual([{ Id: 'Z1AAAA' }]);
  });

  it.each(['Z1AAAA', '/hostedzone/Z1AAAA'])('takes a zone id %s without listing the zones, asking GetHostedZone once', async (zone) => {
    r53.on(GetHostedZoneCommand).resolves(detail);
    const r = await runCli(['route53:zone:info', zone, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      id: 'Z1AAAA',
      name: 'example.com.',
      records: 4,
      private: false,
      nameServers: ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.net'],
      vpcs: [],
    });
    expect(r53.commandCalls(GetHostedZoneCommand).map((c) => c.args[0].input)).toEqual([{ Id: 'Z1AAAA' }]);
    expect(r53.commandCalls(ListHostedZonesCommand)).toHaveLength(0);
  });

  it('shows a private zone with its VPCs', async () => {
    r53.on(GetHostedZoneCommand).resolves({
      HostedZone: { ...hz('Z7PRIV', 'corp.internal.', 5, true), Config: { PrivateZone: true, Comment: 'office' } },
      VPCs: [{ VPCId: 'vpc-0abc', VPCRegion: 'us-east-1' }],
    });
    const r = await runCli(['route53:zone:info', 'Z7PRIV']);
    expect(r.stdout).toBe('id Z7PRIV\nname corp.internal.\nrecords 5\ntype private\ncomment office\nvpcs vpc-0abc (us-east-1)\n');
  });

  it('names the zones it knows when the zone does not exist', async () => {
    r53.on(ListHostedZonesCommand).resolves({ HostedZones: [hz('Z1AAAA', 'example.com.')], IsTruncated: false, MaxItems: 100, Marker: '' });
    const r = await runCli(['route53:zone:info', 'example.net']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: no hosted zone example.net. (zones: example.com.)');
  });

  it('reports an unknown zone id as not found', async () => {
    r53.on(GetHostedZoneCommand).rejects(Object.assign(new Error('No hosted zone found with ID: ZNOPE1'), { name: 'NoSuchHostedZone', $metadata: {} }));
    const r = await runCli(['route53:zone:info', '/hostedzone/ZNOPE1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no hosted zone ZNOPE1 (origin-setup route53:zone:list shows the hosted zones)');
  });

  it('asks for the id when a public and a private zone share the name', async () => {
    r53.on(ListHostedZonesCommand).resolves({
      HostedZones: [hz('Z1PUB', 'example.com.'), hz('Z2PRIV', 'example.com.', 2, true)],
      IsTruncated: false,
      MaxItems: 100,
      Marker: '',
    });
    const r = await runCli(['route53:zone:info', 'example.com']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: zone name example.com. matches 2 hosted zones: Z1PUB (example.com., public), Z2PRIV (example.com., private) (give the zone id instead of its name)',
    );
    expect(r53.commandCalls(GetHostedZoneCommand)).toHaveLength(0);
  });
});

describe('route53:zone:contains', () => {
  const zones = () =>
    twoPagesOfZones(
      [hz('Z1ORG', 'example.org.'), hz('Z2AMPLE', 'ample.com.'), hz('Z3COM', 'example.com.')],
      [hz('Z4INFRA', 'infra.example.com.'), hz('Z5OTHER', 'other.example.com.')],
    );

  it('prints the most specific zone, found on the second page', async () => {
    zones();
    const r = await runCli(['route53:zone:contains', 'puppet.infra.example.com']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Z4INFRA infra.example.com.\n');
    expect(r.stderr).toBe('task: route53:zone:contains puppet.infra.example.com\n');
    expect(r53.commandCalls(ListHostedZonesCommand)).toHaveLength(2);
  });

  it('lists every containing zone longest match first with --all, never one that only shares a suffix', async () => {
    zones();
    const r = await runCli(['route53:zone:contains', 'puppet.infra.example.com.', '--all']);
    expect(r.stdout).toBe('Z4INFRA infra.example.com.\nZ3COM example.com.\n');
  });

  it('does not take zone ample.com. for host.example.com. (label boundary)', async () => {
    r53.on(ListHostedZonesCommand).resolves({ HostedZones: [hz('Z2AMPLE', 'ample.com.')], IsTruncated: false, MaxItems: 100, Marker: '' });
    const r = await runCli(['route53:zone:contains', 'host.example.com']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: no hosted zone contains host.example.com. (origin-setup route53:zone:list shows the hosted zones)');
  });

  it('counts the zone apex as contained', async () => {
    zones();
    const r = await runCli(['route53:zone:contains', 'example.com', '--json', '--quiet']);
    expect(JSON.parse(r.stdout)).toEqual([{ id: 'Z3COM', name: 'example.com.', records: 2, private: false }]);
  });

  it('rejects a malformed name with exit 2 before calling AWS', async () => {
    const r = await runCli(['route53:zone:contains', 'bad name;rm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: FQDN 'bad name;rm': not a DNS name/);
    expect(r.stderr).toMatch(/usage: origin-setup route53:zone:contains/);
    expect(r53.calls()).toHaveLength(0);
  });
});

describe('zone name helpers', () => {
  const zone: Zone = { id: 'Z1', name: 'example.com.', records: 2, private: false };

  it('matches on label boundaries only', () => {
    expect(inZone('host.example.com', 'example.com.')).toBe(true);
    expect(inZone('example.com.', 'example.com')).toBe(true);
    expect(inZone('host.example.com.', 'ample.com.')).toBe(false);
    expect(inZone('example.com.', 'www.example.com.')).toBe(false);
  });

  it('orders by label count, public before private on a tie', () => {
    const z = (id: string, name: string, priv = false): Zone => ({ id, name, records: 0, private: priv });
    const sorted = orderBySpecificity([z('A', 'com.'), z('B', 'example.com.', true), z('C', 'a.example.com.'), z('D', 'example.com.')]);
    expect(sorted.map((s) => s.id)).toEqual(['C', 'D', 'B', 'A']);
  });

  it('turns a host part or an FQDN in the zone into the FQDN with its dot', () => {
    expect(fqdnIn(zone, 'www')).toBe('www.example.com.');
    expect(fqdnIn(zone, 'a.b')).toBe('a.b.example.com.');
    expect(fqdnIn(zone, 'WWW.Example.com')).toBe('www.example.com.');
    expect(fqdnIn(zone, 'www.example.com.')).toBe('www.example.com.');
    expect(fqdnIn(zone, '@')).toBe('example.com.');
    expect(fqdnIn({ name: 'example.com' }, 'www')).toBe('www.example.com.');
    expect(() => fqdnIn(zone, 'www.example.org.')).toThrow('www.example.org. is not inside zone example.com.');
  });

  it('gives the host part back', () => {
    expect(hostPart({ name: 'infra.example.org.' }, 'puppet.infra.example.org')).toBe('puppet');
    expect(hostPart({ name: 'infra.example.org.' }, 'infra.example.org.')).toBe('@');
  });
});
