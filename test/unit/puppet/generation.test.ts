import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/engine/errors.js';
import { agentServiceFor, chooseFlavor, flavorFor, parsePuppetProbe, puppetPackages, PUPPET_PROBE } from '../../../src/puppet/generation.js';
import type { Distribution } from '../../../src/platform/types.js';

const fedora = (major: number): Distribution => ({ id: 'fedora', version: String(major), like: [], major });
const el6: Distribution = { id: 'rhel', version: '6.4', like: ['fedora'], major: 6 };

describe('parsePuppetProbe', () => {
  it('reads the locations and the version', () => {
    expect(parsePuppetProbe(['puppet=/opt/puppetlabs/bin/puppet', 'puppetserver=/opt/puppetlabs/bin/puppetserver', 'version=8.4.0'])).toEqual({
      puppet: '/opt/puppetlabs/bin/puppet',
      puppetserver: '/opt/puppetlabs/bin/puppetserver',
      version: '8.4.0',
    });
  });
  it('treats empty values as absent and finds a version inside a longer line', () => {
    expect(parsePuppetProbe(['puppet=/usr/bin/puppet', 'puppetserver=', 'version=Puppet v2.7.23'])).toEqual({ puppet: '/usr/bin/puppet', version: '2.7.23' });
    expect(parsePuppetProbe(['puppet=', 'puppetserver='])).toEqual({});
  });
  it('is one read-only shell line that looks in /opt/puppetlabs/bin first', () => {
    expect(PUPPET_PROBE.text.startsWith('p=/opt/puppetlabs/bin/puppet; [ -x "$p" ] || p=$(command -v puppet 2>/dev/null);')).toBe(true);
  });
});

describe('flavorFor: the generation mapping', () => {
  it('2.7: puppet cert, augtool edits, /etc/puppet, puppetmaster, storeconfigs, no policy autosign', () => {
    const f = flavorFor('2.7.23', { puppet: '/usr/bin/puppet' });
    expect(f).toMatchObject({
      major: 2,
      ca: 'puppet-cert',
      confEdit: 'augeas',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/lib/puppet',
      serverSection: 'master',
      masterService: 'puppetmaster',
      storeconfigs: true,
      pluginsyncSetting: true,
      policyAutosign: false,
      bin: { puppet: '/usr/bin/puppet', puppetserver: '/opt/puppetlabs/bin/puppetserver' },
    });
  });
  it('3.x: puppet config set; policy autosign from 3.4', () => {
    expect(flavorFor('3.1.1')).toMatchObject({ major: 3, ca: 'puppet-cert', confEdit: 'config-set', config: '/etc/puppet/puppet.conf', policyAutosign: false, bin: { puppet: 'puppet' } });
    expect(flavorFor('3.8.7').policyAutosign).toBe(true);
  });
  it('7 and 8: puppetserver ca, /etc/puppetlabs, [server], puppetserver, absolute binaries', () => {
    for (const v of ['7.30.0', '8.4.0']) {
      expect(flavorFor(v)).toMatchObject({
        ca: 'puppetserver-ca',
        confEdit: 'config-set',
        config: '/etc/puppetlabs/puppet/puppet.conf',
        moduledir: '/etc/puppetlabs/code/environments/production/modules',
        serverSection: 'server',
        masterService: 'puppetserver',
        storeconfigs: false,
        pluginsyncSetting: false,
        policyAutosign: true,
        bin: { puppet: '/opt/puppetlabs/bin/puppet', puppetserver: '/opt/puppetlabs/bin/puppetserver' },
      });
    }
  });
  it('6 already has puppetserver ca but still the [master] section', () => {
    expect(flavorFor('6.28.0')).toMatchObject({ ca: 'puppetserver-ca', serverSection: 'master' });
  });
});

describe('chooseFlavor: host versus --puppet', () => {
  it('follows what the host has', () => {
    expect(chooseFlavor({ puppet: '/usr/bin/puppet', version: '3.1.1' }).flavor).toMatchObject({ version: '3.1.1', major: 3, bin: { puppet: '/usr/bin/puppet' } });
  });
  it('gives nothing when nothing is installed and nothing is said', () => {
    expect(chooseFlavor({})).toEqual({});
  });
  it('uses --puppet on a bare host, with the default locations', () => {
    expect(chooseFlavor({}, '8')).toEqual({ flavor: expect.objectContaining({ major: 8, version: undefined, label: 'Puppet 8' }) });
    expect(chooseFlavor({}, '2.7').flavor).toMatchObject({ major: 2, confEdit: 'augeas', label: 'Puppet 2.7' });
  });
  it('keeps the host version and paths when --puppet names the same major', () => {
    expect(chooseFlavor({ puppet: '/x/bin/puppet', version: '7.1.0' }, '7')).toEqual({ flavor: expect.objectContaining({ version: '7.1.0', bin: expect.objectContaining({ puppet: '/x/bin/puppet' }) }) });
  });
  it('says so when --puppet disagrees with the host, and follows --puppet', () => {
    const c = chooseFlavor({ puppet: '/usr/bin/puppet', version: '3.1.1' }, '8');
    expect(c.flavor).toMatchObject({ major: 8, bin: { puppet: '/opt/puppetlabs/bin/puppet' } });
    expect(c.mismatch).toBe('the host has Puppet 3.1.1, but --puppet 8 was given');
  });
  it('refuses an unknown --puppet', () => {
    expect(() => chooseFlavor({}, '5')).toThrow(UsageError);
  });
});

describe('service and package names', () => {
  it('names the agent service puppetagent only for Fedora ≥ 19 with Puppet 3', () => {
    expect(agentServiceFor(flavorFor('3.1.1'), fedora(19))).toBe('puppetagent');
    expect(agentServiceFor(flavorFor('3.0.2'), fedora(18))).toBe('puppet');
    expect(agentServiceFor(flavorFor('2.7.23'), el6)).toBe('puppet');
    expect(agentServiceFor(flavorFor('8.4.0'), fedora(40))).toBe('puppet');
  });
  it('names the packages per generation and package family', () => {
    expect(puppetPackages(flavorFor('3.1.1'), 'yum', 'master')).toEqual(['puppet-server']);
    expect(puppetPackages(flavorFor('3.1.1'), 'apt-get', 'master')).toEqual(['puppetmaster']);
    expect(puppetPackages(flavorFor('2.7.23'), 'yum', 'agent')).toEqual(['puppet']);
    expect(puppetPackages(flavorFor('8.4.0'), 'dnf', 'master')).toEqual(['puppetserver']);
    expect(puppetPackages(flavorFor('7.30.0'), 'apt-get', 'agent')).toEqual(['puppet-agent']);
  });
});
