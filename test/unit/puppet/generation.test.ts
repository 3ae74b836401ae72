import { describe, expect, it } from 'vitest';
import {
  agentServiceFor,
  flavorFromProbe,
  parsePuppetProbe,
  plannedFlavor,
  plannedPaths,
  PROBED_SETTINGS,
  PUPPET_PROBE,
  sourceOf,
} from '../../../src/puppet/generation.js';
import type { Distribution } from '../../../src/platform/types.js';

const fedora = (major: number): Distribution => ({ id: 'fedora', version: String(major), like: [], major });
const el6: Distribution = { id: 'rhel', version: '6.4', like: ['fedora'], major: 6 };
const debian12: Distribution = { id: 'debian', version: '12', like: [], major: 12 };

// What PUPPET_PROBE printed, as root, on a Debian 12 host with the distribution's
// puppet-agent 7.23.0 and puppetserver 7.9.5 (captured on a real host; dpkg -S answered
// "puppet-agent: /usr/bin/puppet", and the settings are Puppet's own sorted output).
const DEBIAN12_PROBE = [
  'puppet=/usr/bin/puppet',
  'puppetserver=/usr/bin/puppetserver',
  'version=7.23.0',
  'owner=puppet-agent',
  'autosign = /etc/puppet/autosign.conf',
  'basemodulepath = /etc/puppet/code/modules:/usr/share/puppet/modules',
  'certname = vm',
  'codedir = /etc/puppet/code',
  'confdir = /etc/puppet',
  'config = /etc/puppet/puppet.conf',
  'csr_attributes = /etc/puppet/csr_attributes.yaml',
  'environmentpath = /etc/puppet/code/environments',
  'manifest = no_manifest',
  'modulepath = /usr/share/puppet/modules',
  'ssldir = /var/lib/puppet/ssl',
  'vardir = /var/cache/puppet',
];

// Fedora 19's puppet 3.1.1 (rpm -qf says "puppet"): asked only what 3.1 knows, sorted;
// its shipped puppet.conf puts ssldir under the vardir.
const FEDORA19_PROBE = [
  'puppet=/usr/bin/puppet',
  'puppetserver=',
  'version=3.1.1',
  'owner=puppet',
  'autosign = /etc/puppet/autosign.conf',
  'certname = puppet.example.org',
  'confdir = /etc/puppet',
  'config = /etc/puppet/puppet.conf',
  'manifest = /etc/puppet/manifests/site.pp',
  'modulepath = /etc/puppet/modules:/usr/share/puppet/modules',
  'ssldir = /var/lib/puppet/ssl',
  'vardir = /var/lib/puppet',
];

// OpenVox 8 on EL 9: the all-in-one layout, binaries in /opt/puppetlabs/bin.
const AIO_SETTINGS = [
  'autosign = /etc/puppetlabs/puppet/autosign.conf',
  'basemodulepath = /etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
  'certname = puppet.example.org',
  'codedir = /etc/puppetlabs/code',
  'confdir = /etc/puppetlabs/puppet',
  'config = /etc/puppetlabs/puppet/puppet.conf',
  'csr_attributes = /etc/puppetlabs/puppet/csr_attributes.yaml',
  'environmentpath = /etc/puppetlabs/code/environments',
  'manifest = /etc/puppetlabs/code/environments/production/manifests',
  'modulepath = /etc/puppetlabs/code/environments/production/modules:/etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
  'ssldir = /etc/puppetlabs/puppet/ssl',
  'vardir = /opt/puppetlabs/puppet/cache',
];
const aioProbe = (version: string, owner: string) => [
  'puppet=/opt/puppetlabs/bin/puppet',
  'puppetserver=/opt/puppetlabs/bin/puppetserver',
  `version=${version}`,
  `owner=${owner}`,
  ...AIO_SETTINGS,
];

describe('PUPPET_PROBE', () => {
  it('looks in /opt/puppetlabs/bin first, then PATH', () => {
    expect(PUPPET_PROBE.text.startsWith('p=/opt/puppetlabs/bin/puppet; [ -x "$p" ] || p=$(command -v puppet 2>/dev/null);')).toBe(true);
  });
  it('asks config print for every setting as a separate word, in the server section of production from 7 on', () => {
    expect(PUPPET_PROBE.text).toContain(`config print ${PROBED_SETTINGS.join(' ')} --section server --environment production`);
    expect(PUPPET_PROBE.text).toContain(`config print ${PROBED_SETTINGS.join(' ')} --section master --environment production`);
    // Not one quoted word, which Puppet would take as a single unknown setting.
    expect(PUPPET_PROBE.text).not.toContain(`'${PROBED_SETTINGS.join(' ')}'`);
  });
  it('asks Puppet 3 without --section (3.1 refuses it) and 2.7 with --configprint', () => {
    expect(PUPPET_PROBE.text).toMatch(/3\.\*\) "\$p" config print [a-z_ ]+ ;;/);
    expect(PUPPET_PROBE.text).toMatch(/"\$p" master --configprint [a-z_,]+ ;;/);
  });
  it('asks dpkg, then rpm, which package owns the binary', () => {
    expect(PUPPET_PROBE.text).toContain('{ dpkg -S "$p" || rpm -qf');
  });
});

describe('parsePuppetProbe', () => {
  it('reads locations, version, owner and every setting of the real Debian 12 output', () => {
    expect(parsePuppetProbe(DEBIAN12_PROBE)).toEqual({
      puppet: '/usr/bin/puppet',
      puppetserver: '/usr/bin/puppetserver',
      version: '7.23.0',
      owner: 'puppet-agent',
      settings: {
        autosign: '/etc/puppet/autosign.conf',
        basemodulepath: '/etc/puppet/code/modules:/usr/share/puppet/modules',
        certname: 'vm',
        codedir: '/etc/puppet/code',
        confdir: '/etc/puppet',
        config: '/etc/puppet/puppet.conf',
        csr_attributes: '/etc/puppet/csr_attributes.yaml',
        environmentpath: '/etc/puppet/code/environments',
        manifest: 'no_manifest',
        modulepath: '/usr/share/puppet/modules',
        ssldir: '/var/lib/puppet/ssl',
        vardir: '/var/cache/puppet',
      },
    });
  });
  it('treats empty values as absent, settings included (a key the version does not know prints empty)', () => {
    expect(parsePuppetProbe(['puppet=/usr/bin/puppet', 'puppetserver=', 'version=7.23.0', 'owner=', 'codedir = ', 'confdir = /etc/puppet'])).toEqual({
      puppet: '/usr/bin/puppet',
      version: '7.23.0',
      settings: { confdir: '/etc/puppet' },
    });
    expect(parsePuppetProbe(['puppet=', 'puppetserver='])).toEqual({ settings: {} });
  });
  it('finds the version inside a longer line (Puppet v2.7.23)', () => {
    expect(parsePuppetProbe(['puppet=/usr/bin/puppet', 'version=Puppet v2.7.23']).version).toBe('2.7.23');
  });
  it('ignores rpm\'s "file … is not owned by any package" as an owner', () => {
    expect(
      parsePuppetProbe(['puppet=/usr/local/bin/puppet', 'version=8.4.0', 'owner=file /usr/local/bin/puppet is not owned by any package']).owner,
    ).toBeUndefined();
    expect(parsePuppetProbe(['owner=openvox-agent']).owner).toBe('openvox-agent');
  });
  it('ignores settings it did not ask for, warnings, and 3.1\'s "invalid parameter" line', () => {
    expect(
      parsePuppetProbe(['version=3.1.1', 'autosign = /etc/puppet/autosign.conf', 'invalid parameter: basemodulepath', 'server = puppet', 'Warning: something'])
        .settings,
    ).toEqual({ autosign: '/etc/puppet/autosign.conf' });
  });
});

describe('sourceOf', () => {
  const none = { settings: {} };
  it('takes the owning package first, then where the binary and the confdir live', () => {
    expect(sourceOf({ ...none, puppet: '/opt/puppetlabs/bin/puppet', owner: 'openvox-agent' })).toBe('openvox');
    expect(sourceOf({ ...none, puppet: '/opt/puppetlabs/bin/puppet', owner: 'puppet-agent' })).toBe('puppetcore');
    expect(sourceOf({ ...none, puppet: '/opt/puppetlabs/bin/puppet' })).toBe('puppetcore');
    // Debian names its own package puppet-agent too: /usr/bin and /etc/puppet are the distribution's.
    expect(sourceOf({ puppet: '/usr/bin/puppet', owner: 'puppet-agent', settings: { confdir: '/etc/puppet' } })).toBe('distribution');
    expect(sourceOf({ ...none, puppet: '/usr/bin/puppet', owner: 'puppet' })).toBe('distribution');
    // Perforce's layout by the confdir Puppet reports, wherever the binary was found.
    expect(sourceOf({ puppet: '/usr/local/bin/puppet', settings: { confdir: '/etc/puppetlabs/puppet' } })).toBe('puppetcore');
  });
});

describe('flavorFromProbe', () => {
  it('Fedora 19, Puppet 3.1.1: /etc/puppet, /var/lib/puppet, puppet cert, puppetmaster, [master], no policy autosign before 3.4', () => {
    const f = flavorFromProbe(parsePuppetProbe(FEDORA19_PROBE));
    expect(f).toMatchObject({
      version: '3.1.1',
      major: 3,
      source: 'distribution',
      fromHost: true,
      label: "Puppet 3.1.1 (the distribution's packages)",
      bin: { puppet: '/usr/bin/puppet', puppetserver: 'puppetserver' },
      ca: 'puppet-cert',
      // 3.1's config face only prints: puppet.conf is edited with augtool.
      confEdit: 'augeas',
      confdir: '/etc/puppet',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/lib/puppet',
      serverSection: 'master',
      masterService: 'puppetmaster',
      storeconfigs: true,
      pluginsyncSetting: true,
      policyAutosign: false,
    });
    expect(f.paths).toEqual({
      confdir: '/etc/puppet',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/lib/puppet',
      ssldir: '/var/lib/puppet/ssl',
      manifest: '/etc/puppet/manifests/site.pp',
      // 3.x has no basemodulepath: the modulepath plays its part.
      basemodulepath: '/etc/puppet/modules:/usr/share/puppet/modules',
      autosign: '/etc/puppet/autosign.conf',
      // 3.1 has no csr_attributes setting: beside puppet.conf.
      csrAttributes: '/etc/puppet/csr_attributes.yaml',
    });
  });

  it('`puppet config set` from 3.5 on (it and --section arrived in 3.5.0)', () => {
    const probe = parsePuppetProbe(FEDORA19_PROBE);
    expect(flavorFromProbe({ ...probe, version: '3.4.3' }).confEdit).toBe('augeas');
    expect(flavorFromProbe({ ...probe, version: '3.5.0' }).confEdit).toBe('config-set');
    expect(flavorFromProbe({ ...probe, version: '3.8.7' }).confEdit).toBe('config-set');
  });

  it('policy autosigning from 3.4 on', () => {
    const probe = parsePuppetProbe(FEDORA19_PROBE);
    expect(flavorFromProbe({ ...probe, version: '3.3.2' }).policyAutosign).toBe(false);
    expect(flavorFromProbe({ ...probe, version: '3.4.0' }).policyAutosign).toBe(true);
    expect(flavorFromProbe({ ...probe, version: '3.8.7' }).policyAutosign).toBe(true);
  });

  it("Debian 12, the distribution's 7.23.0: the /etc/puppet layout Puppet reported, not the all-in-one one", () => {
    const f = flavorFromProbe(parsePuppetProbe(DEBIAN12_PROBE));
    expect(f).toMatchObject({
      version: '7.23.0',
      major: 7,
      source: 'distribution',
      fromHost: true,
      label: "Puppet 7.23.0 (the distribution's packages)",
      bin: { puppet: '/usr/bin/puppet', puppetserver: '/usr/bin/puppetserver' },
      ca: 'puppetserver-ca',
      confEdit: 'config-set',
      confdir: '/etc/puppet',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/cache/puppet',
      serverSection: 'server',
      masterService: 'puppetserver',
      storeconfigs: false,
      pluginsyncSetting: false,
      policyAutosign: true,
    });
    expect(f.paths).toEqual({
      confdir: '/etc/puppet',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/cache/puppet',
      ssldir: '/var/lib/puppet/ssl',
      codedir: '/etc/puppet/code',
      environmentpath: '/etc/puppet/code/environments',
      manifest: 'no_manifest',
      basemodulepath: '/etc/puppet/code/modules:/usr/share/puppet/modules',
      autosign: '/etc/puppet/autosign.conf',
      csrAttributes: '/etc/puppet/csr_attributes.yaml',
    });
  });

  it('OpenVox 8: /opt/puppetlabs/bin/puppet owned by openvox-agent, the all-in-one paths', () => {
    const f = flavorFromProbe(parsePuppetProbe(aioProbe('8.19.2', 'openvox-agent')));
    expect(f).toMatchObject({
      major: 8,
      source: 'openvox',
      label: 'OpenVox 8.19.2 (OpenVox)',
      bin: { puppet: '/opt/puppetlabs/bin/puppet', puppetserver: '/opt/puppetlabs/bin/puppetserver' },
      ca: 'puppetserver-ca',
      serverSection: 'server',
      confdir: '/etc/puppetlabs/puppet',
      config: '/etc/puppetlabs/puppet/puppet.conf',
      vardir: '/opt/puppetlabs/puppet/cache',
    });
    expect(f.paths).toMatchObject({
      ssldir: '/etc/puppetlabs/puppet/ssl',
      codedir: '/etc/puppetlabs/code',
      manifest: '/etc/puppetlabs/code/environments/production/manifests',
      basemodulepath: '/etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
      csrAttributes: '/etc/puppetlabs/puppet/csr_attributes.yaml',
    });
  });

  it("/opt/puppetlabs owned by puppet-agent is Perforce's Puppet Core", () => {
    const f = flavorFromProbe(parsePuppetProbe(aioProbe('8.10.0', 'puppet-agent')));
    expect(f).toMatchObject({ source: 'puppetcore', label: 'Puppet 8.10.0 (Puppet Core)', confdir: '/etc/puppetlabs/puppet' });
  });

  it('follows what Puppet reported even where it differs from any table (a moved confdir)', () => {
    const probe = parsePuppetProbe(DEBIAN12_PROBE);
    const f = flavorFromProbe({
      ...probe,
      settings: { ...probe.settings, confdir: '/srv/puppet', config: '/srv/puppet/puppet.conf', csr_attributes: undefined },
    });
    expect(f).toMatchObject({ confdir: '/srv/puppet', config: '/srv/puppet/puppet.conf' });
    expect(f.paths.csrAttributes).toBe('/srv/puppet/csr_attributes.yaml');
  });

  it('6 already has puppetserver ca but still the [master] section; 2.7 edits with augtool', () => {
    const probe = parsePuppetProbe(DEBIAN12_PROBE);
    expect(flavorFromProbe({ ...probe, version: '6.28.0' })).toMatchObject({ ca: 'puppetserver-ca', serverSection: 'master' });
    expect(flavorFromProbe(parsePuppetProbe(['puppet=/usr/bin/puppet', 'version=2.7.23', 'owner=puppet']))).toMatchObject({
      major: 2,
      confEdit: 'augeas',
      ca: 'puppet-cert',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/lib/puppet',
      policyAutosign: false,
    });
  });
});

describe('plannedFlavor: before anything is installed', () => {
  it('OpenVox 8 plans the all-in-one layout with absolute binaries', () => {
    const f = plannedFlavor(8, 'openvox');
    expect(f).toMatchObject({
      version: undefined,
      major: 8,
      source: 'openvox',
      fromHost: false,
      label: 'OpenVox 8 (planned, OpenVox)',
      bin: { puppet: '/opt/puppetlabs/bin/puppet', puppetserver: '/opt/puppetlabs/bin/puppetserver' },
      config: '/etc/puppetlabs/puppet/puppet.conf',
      serverSection: 'server',
    });
    expect(f.paths).toEqual(plannedPaths('openvox', 8));
  });
  it("the distribution's 7 plans the /etc/puppet layout Debian reports", () => {
    const planned = plannedFlavor(7, 'distribution');
    const real = flavorFromProbe(parsePuppetProbe(DEBIAN12_PROBE));
    expect(planned).toMatchObject({ label: "Puppet 7 (planned, the distribution's packages)", bin: { puppet: 'puppet', puppetserver: 'puppetserver' } });
    expect(planned.paths).toEqual(real.paths);
  });
  it("the distribution's 3 plans Fedora's layout, and takes a plain 3 as the last 3.x (policy autosign)", () => {
    const f = plannedFlavor(3, 'distribution');
    expect(f).toMatchObject({
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/lib/puppet',
      masterService: 'puppetmaster',
      policyAutosign: true,
      confEdit: 'config-set',
    });
    expect(f.paths.manifest).toBe('/etc/puppet/manifests/site.pp');
    expect(f.paths.basemodulepath).toBe('/etc/puppet/modules:/usr/share/puppet/modules');
  });
  it('Puppet Core plans like OpenVox, labelled Puppet', () => {
    expect(plannedFlavor(8, 'puppetcore')).toMatchObject({ label: 'Puppet 8 (planned, Puppet Core)', confdir: '/etc/puppetlabs/puppet' });
  });
});

describe('agentServiceFor', () => {
  it('names the agent service puppetagent only for Fedora ≥ 19 with Puppet 3', () => {
    const f19 = flavorFromProbe(parsePuppetProbe(FEDORA19_PROBE));
    expect(agentServiceFor(f19, fedora(19))).toBe('puppetagent');
    expect(agentServiceFor({ major: 3 }, fedora(18))).toBe('puppet');
    expect(agentServiceFor({ major: 2 }, el6)).toBe('puppet');
    expect(agentServiceFor(plannedFlavor(8, 'openvox'), fedora(40))).toBe('puppet');
    expect(agentServiceFor(flavorFromProbe(parsePuppetProbe(DEBIAN12_PROBE)), debian12)).toBe('puppet');
  });
});
