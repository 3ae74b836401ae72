import { describe, expect, it } from 'vitest';
import { setHostsEntry, setPreserveHostname, setShellVariable } from '../../../src/platform/edit.js';
import { downloadUrl, fetchCommand, parseIpv4Addresses, sedCommand, zoneFromLink, zoneName } from '../../../src/platform/system.js';

describe('setHostsEntry', () => {
  const base = ['127.0.0.1   localhost localhost.localdomain', '::1         localhost6'];

  it('appends ADDR NAME SHORT and removes only lines whose host name field is NAME exactly', () => {
    const before = [
      ...base,
      '10.0.0.9 broker.example.com broker',
      '10.0.0.8 brokerXexample.com', // a regex `broker.example.com` would match this one
      '10.0.0.7 db.example.com broker.example.com', // NAME as an alias, not the host name field
      '# 10.0.0.1 broker.example.com',
    ];
    expect(setHostsEntry(before, '10.0.0.5', 'broker.example.com')).toEqual([
      ...base,
      '10.0.0.8 brokerXexample.com',
      '10.0.0.7 db.example.com broker.example.com',
      '# 10.0.0.1 broker.example.com',
      '10.0.0.5 broker.example.com broker',
    ]);
  });

  it('changes nothing when the one line is already right (whitespace aside), so a re-run writes nothing', () => {
    const before = [...base, '10.0.0.5\tbroker.example.com   broker', 'x'];
    expect(setHostsEntry(before, '10.0.0.5', 'broker.example.com')).toEqual(before);
  });

  it('collapses duplicates into one line and writes a single label without a short alias', () => {
    expect(setHostsEntry(['1.1.1.1 broker', '1.1.1.1 broker'], '1.1.1.1', 'broker')).toEqual(['1.1.1.1 broker']);
  });
});

describe('setShellVariable', () => {
  it('replaces the first KEY= line, drops later ones, leaves look-alikes alone', () => {
    expect(setShellVariable(['# SELINUX=x', 'SELINUX=enforcing', 'SELINUXTYPE=targeted', 'SELINUX=permissive'], 'SELINUX', 'disabled')).toEqual([
      '# SELINUX=x',
      'SELINUX=disabled',
      'SELINUXTYPE=targeted',
    ]);
  });

  it('appends when absent and is a no-op when already set', () => {
    expect(setShellVariable(['NETWORKING=yes'], 'HOSTNAME', 'a.example.com')).toEqual(['NETWORKING=yes', 'HOSTNAME=a.example.com']);
    const set = ['NETWORKING=yes', 'HOSTNAME=a.example.com'];
    expect(setShellVariable(set, 'HOSTNAME', 'a.example.com')).toEqual(set);
  });
});

describe('setPreserveHostname', () => {
  it('ensures exactly one preserve_hostname: true, replacing false, 1 or duplicates', () => {
    expect(setPreserveHostname(['users:', ' - default', 'preserve_hostname: false', 'preserve_hostname: 1'])).toEqual([
      'users:',
      ' - default',
      'preserve_hostname: true',
    ]);
    const done = ['users:', 'preserve_hostname: true', 'datasource_list: [Ec2]'];
    expect(setPreserveHostname(done)).toEqual(done);
  });
});

describe('time zones', () => {
  it('accepts zone paths and refuses anything else', () => {
    for (const ok of ['UTC', 'America/New_York', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires']) expect(zoneName(ok)).toBeUndefined();
    for (const bad of ['../etc/passwd', 'UTC; reboot', '/UTC', 'Europe/', '$(id)', 'a/../b', 'a\nb']) expect(zoneName(bad)).toBeDefined();
  });

  it('reads the zone from a /etc/localtime link, relative or absolute', () => {
    expect(zoneFromLink('/usr/share/zoneinfo/Etc/UTC')).toBe('Etc/UTC');
    expect(zoneFromLink('../usr/share/zoneinfo/Europe/Paris')).toBe('Europe/Paris');
    expect(zoneFromLink('/etc/localtime.bak')).toBeUndefined();
  });
});

describe('parseIpv4Addresses', () => {
  const lines = [
    '2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global dynamic eth0\\       valid_lft 3500sec preferred_lft 3500sec',
    '2: eth0    inet 10.0.0.6/32 scope global secondary eth0:1\\       valid_lft forever preferred_lft forever',
  ];
  it('gives every address, with or without the mask', () => {
    expect(parseIpv4Addresses(lines, false)).toEqual(['10.0.0.5', '10.0.0.6']);
    expect(parseIpv4Addresses(lines, true)).toEqual(['10.0.0.5/24', '10.0.0.6/32']);
    expect(parseIpv4Addresses([], true)).toEqual([]);
  });
});

describe('sedCommand', () => {
  const script = 's/$HOME/`id`/; s/"a"/\\1/';
  it('passes the script as one single-quoted word', () => {
    expect(sedCommand(script, '/etc/x').text).toBe(`sed -e 's/$HOME/\`id\`/; s/"a"/\\1/' -- /etc/x`);
    expect(sedCommand("it's", 'f', { inplace: true }).text).toBe(`sed -i -e 'it'\\''s' -- f`);
  });
  it('redirects inside the same shell with the values as positional parameters', () => {
    expect(sedCommand('p', '/a b', { destfile: '/c' }).text).toBe(`sh -c 'sed -e "$1" -- "$2" > "$3"' sh p '/a b' /c`);
  });
});

describe('downloads', () => {
  it('accepts http, https and ftp URLs only, on one line', () => {
    expect(downloadUrl('https://example.org/a?b=c&d')).toBeUndefined();
    for (const bad of ['file:///etc/passwd', '-o/etc/passwd', 'https://x/ y', 'https://x/\n', 'not a url']) expect(downloadUrl(bad)).toBeDefined();
  });
  it('passes the URL and path as positional parameters', () => {
    const c = fetchCommand('https://example.org/a?b=c&d', '/tmp/x y').text;
    expect(c).toMatch(/^sh -c '.*' sh 'https:\/\/example.org\/a\?b=c&d' '\/tmp\/x y'$/s);
    expect(fetchCommand('https://example.org/f').text).toMatch(/ sh https:\/\/example.org\/f ''$/);
  });
});
