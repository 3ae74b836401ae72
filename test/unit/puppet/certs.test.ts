import { describe, expect, it } from 'vitest';
import { caCommands, formatCert, parseCertList } from '../../../src/puppet/certs.js';
import { flavorFromProbe, parsePuppetProbe, plannedFlavor } from '../../../src/puppet/generation.js';

const MD5_A = 'BD:27:A5:3B:AE:F5:1D:05:7E:8F:E7:E9:CA:BA:32:4B';
const MD5_B = '09:97:22:B9:A9:16:AE:B1:32:93:EC:3A:6D:7A:CF:67';
const SHA_A = '8F:0E:2C:71:9A:4B:66:D3:10:C2:7E:55:A1:B8:3F:E0:94:12:6D:7C:C0:5B:3A:29:E8:17:FD:40:6B:92:AE:13';
const SHA_B = '5B:C3:11:9E:02:7D:A4:68:F1:3C:90:2E:BB:47:D6:05:8A:71:C9:3E:14:F2:60:AD:2B:98:E5:37:0C:D4:61:AF';
const SHA_D = '3C:9A:40:D7:21:E8:5F:06:B3:7C:92:1D:E4:58:A0:6B:C1:2F:87:D9:30:4E:B5:1A:6C:F3:08:97:2D:E0:4B:65';
const SHA_C = 'E1:44:9C:0B:72:AD:38:F6:5E:21:C7:8B:06:93:DA:4F:B2:19:6E:A0:37:CC:85:F4:2A:61:D8:0E:93:7B:4C:58';

describe('parseCertList: Puppet 2.7 (MD5, 16 pairs)', () => {
  // `puppet cert list --all` on Fedora 18 / EL6 with puppet 2.7.x (names quoted with inspect).
  const sample = [
    `+ "puppet.infra.example.org" (${MD5_A}) (alt names: DNS:puppet, DNS:puppet.infra.example.org)`,
    `+ "broker.infra.example.org" (${MD5_B})`,
    `  "data1.infra.example.org"  (70:B8:E0:C0:F8:5B:48:67:4E:92:91:D2:0D:E4:2B:F4)`,
    `- "old.infra.example.org"    (11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00) (certificate revoked)`,
  ];

  it('reads state, name, MD5 fingerprint, alt names and the revocation note', () => {
    expect(parseCertList(sample)).toEqual([
      { name: 'puppet.infra.example.org', state: 'signed', algorithm: 'MD5', fingerprint: MD5_A, altNames: ['DNS:puppet', 'DNS:puppet.infra.example.org'] },
      { name: 'broker.infra.example.org', state: 'signed', algorithm: 'MD5', fingerprint: MD5_B, altNames: [] },
      { name: 'data1.infra.example.org', state: 'pending', algorithm: 'MD5', fingerprint: '70:B8:E0:C0:F8:5B:48:67:4E:92:91:D2:0D:E4:2B:F4', altNames: [] },
      {
        name: 'old.infra.example.org',
        state: 'revoked',
        algorithm: 'MD5',
        fingerprint: '11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00',
        altNames: [],
        note: 'certificate revoked',
      },
    ]);
  });

  it('also reads the early 2.7 form with bare names', () => {
    expect(parseCertList([`  msg1.example.org (${MD5_B})`, `+ puppet.example.org (${MD5_A}) (alt names: DNS:puppet)`])).toEqual([
      { name: 'msg1.example.org', state: 'pending', algorithm: 'MD5', fingerprint: MD5_B, altNames: [] },
      { name: 'puppet.example.org', state: 'signed', algorithm: 'MD5', fingerprint: MD5_A, altNames: ['DNS:puppet'] },
    ]);
  });
});

describe('parseCertList: Puppet 3.x ((SHA256), 32 pairs)', () => {
  // `puppet cert list --all` on Fedora 19 with puppet 3.1.1 (the format the original never matched).
  const sample = [
    `  "broker.infra.example.org" (SHA256) ${SHA_B}`,
    `+ "puppet.infra.example.org" (SHA256) ${SHA_A} (alt names: "DNS:puppet", "DNS:puppet.infra.example.org")`,
    `- "node1.infra.example.org"  (SHA256) ${SHA_C} (certificate revoked)`,
  ];

  it('reads every entry with SHA256 fingerprints and quoted alt names', () => {
    expect(parseCertList(sample)).toEqual([
      { name: 'broker.infra.example.org', state: 'pending', algorithm: 'SHA256', fingerprint: SHA_B, altNames: [] },
      { name: 'puppet.infra.example.org', state: 'signed', algorithm: 'SHA256', fingerprint: SHA_A, altNames: ['DNS:puppet', 'DNS:puppet.infra.example.org'] },
      { name: 'node1.infra.example.org', state: 'revoked', algorithm: 'SHA256', fingerprint: SHA_C, altNames: [], note: 'certificate revoked' },
    ]);
  });

  it('skips warnings and blank lines around the entries', () => {
    const noisy = [
      'Warning: Setting templatedir is deprecated. See http://links.puppetlabs.com/env-settings-deprecations',
      '',
      sample[0]!,
      '   (at /usr/share/ruby/vendor_ruby/puppet/settings.rb:1095)',
    ];
    expect(parseCertList(noisy).map((c) => c.name)).toEqual(['broker.infra.example.org']);
  });
});

describe('parseCertList: puppetserver ca list (Puppet 6+)', () => {
  // `puppetserver ca list --all` on a Puppet 8 server: padded names, "(SHA256)  FP" with two
  // spaces, tab-separated alt names and authorization extensions.
  const sample = [
    'Requested Certificates:',
    `    broker.example.com       (SHA256)  ${SHA_B}`,
    `    node1.example.com        (SHA256)  ${SHA_C}\talt names: ["DNS:node1", "DNS:node1.example.com"]`,
    'Signed Certificates:',
    `    puppet.example.com       (SHA256)  ${SHA_A}\talt names: ["DNS:puppet", "DNS:puppet.example.com"]\tauthorization extensions: [pp_cli_auth: true]`,
    'Revoked Certificates:',
    `    old.example.com          (SHA256)  ${SHA_D}`,
  ];

  it('takes the state from the section and reads names, fingerprints and alt names', () => {
    expect(parseCertList(sample)).toEqual([
      { name: 'broker.example.com', state: 'pending', algorithm: 'SHA256', fingerprint: SHA_B, altNames: [] },
      { name: 'node1.example.com', state: 'pending', algorithm: 'SHA256', fingerprint: SHA_C, altNames: ['DNS:node1', 'DNS:node1.example.com'] },
      { name: 'puppet.example.com', state: 'signed', algorithm: 'SHA256', fingerprint: SHA_A, altNames: ['DNS:puppet', 'DNS:puppet.example.com'] },
      { name: 'old.example.com', state: 'revoked', algorithm: 'SHA256', fingerprint: SHA_D, altNames: [] },
    ]);
  });

  it('gives nothing for "No certificates to list"', () => {
    expect(parseCertList(['No certificates to list'])).toEqual([]);
  });
});

describe('formatCert', () => {
  it('prints state, name and ALGO:fingerprint, with an empty state column for a request', () => {
    const [pending, signed, revoked] = parseCertList([
      `  "broker.example.com" (SHA256) ${SHA_B}`,
      `+ "puppet.example.com" (SHA256) ${SHA_A}`,
      `- "old.example.com" (${MD5_A}) (certificate revoked)`,
    ]);
    expect(formatCert(signed!)).toBe(`+ puppet.example.com SHA256:${SHA_A}`);
    expect(formatCert(pending!)).toBe(` broker.example.com SHA256:${SHA_B}`);
    expect(formatCert(revoked!)).toBe(`- old.example.com MD5:${MD5_A}`);
  });
});

describe('caCommands', () => {
  // The binaries are the ones the host's probe found.
  const fedora19 = flavorFromProbe(parsePuppetProbe(['puppet=/usr/bin/puppet', 'puppetserver=', 'version=3.1.1', 'owner=puppet', 'confdir = /etc/puppet']));
  const debian12 = flavorFromProbe(
    parsePuppetProbe(['puppet=/usr/bin/puppet', 'puppetserver=/usr/bin/puppetserver', 'version=7.23.0', 'owner=puppet-agent', 'confdir = /etc/puppet']),
  );

  it('uses `puppet cert` up to 5, with the probed binary, quoting the certname', () => {
    const old = caCommands(fedora19);
    expect(old.list(true).text).toBe('/usr/bin/puppet cert list --all');
    expect(old.list(false).text).toBe('/usr/bin/puppet cert list');
    expect(old.sign(['broker.example.com']).text).toBe('/usr/bin/puppet cert sign broker.example.com');
    expect(old.sign(['a.example.com', 'b.example.com']).text).toBe('/usr/bin/puppet cert sign a.example.com b.example.com');
    expect(old.clean('broker.example.com').text).toBe('/usr/bin/puppet cert clean broker.example.com');
    expect(old.revoke('x;reboot').text).toBe("/usr/bin/puppet cert revoke 'x;reboot'");
  });

  it("uses `puppetserver ca` from 6: Debian's /usr/bin/puppetserver as probed", () => {
    const now = caCommands(debian12);
    expect(now.list(true).text).toBe('/usr/bin/puppetserver ca list --all');
    expect(now.list(false).text).toBe('/usr/bin/puppetserver ca list');
    expect(now.sign(['broker.example.com']).text).toBe('/usr/bin/puppetserver ca sign --certname broker.example.com');
    expect(now.sign(['a.example.com', 'b.example.com']).text).toBe('/usr/bin/puppetserver ca sign --certname a.example.com,b.example.com');
    expect(now.clean('broker.example.com').text).toBe('/usr/bin/puppetserver ca clean --certname broker.example.com');
  });

  it('plans the all-in-one binary for OpenVox before it is installed (sudo lacks /opt/puppetlabs/bin)', () => {
    const planned = caCommands(plannedFlavor(8, 'openvox'));
    expect(planned.list(true).text).toBe('/opt/puppetlabs/bin/puppetserver ca list --all');
    expect(planned.revoke('node1.example.com').text).toBe('/opt/puppetlabs/bin/puppetserver ca revoke --certname node1.example.com');
    expect(caCommands(plannedFlavor(3, 'distribution')).list(true).text).toBe('puppet cert list --all');
  });
});
