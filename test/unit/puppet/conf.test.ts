import { describe, expect, it } from 'vitest';
import { augeasPathOf, parseConfigPrint, printCommand, setCommand } from '../../../src/puppet/conf.js';
import { flavorFromProbe, parsePuppetProbe, plannedFlavor } from '../../../src/puppet/generation.js';

const probed = (version: string, puppet: string, settings: string[] = []) =>
  flavorFromProbe(parsePuppetProbe([`puppet=${puppet}`, `version=${version}`, ...settings]));

describe('parseConfigPrint', () => {
  it('reads key = value lines, keeping = and spaces inside values', () => {
    expect(parseConfigPrint(['confdir = /etc/puppet', 'server = puppet.example.org', 'node_name_value = a = b', 'certname = ', ''])).toEqual({
      confdir: '/etc/puppet',
      server: 'puppet.example.org',
      node_name_value: 'a = b',
      certname: '',
    });
  });
  it('takes a lone line as the value of the one key asked for', () => {
    expect(parseConfigPrint(['puppet.example.org'], 'server')).toEqual({ server: 'puppet.example.org' });
    expect(parseConfigPrint(['server = puppet.example.org'], 'server')).toEqual({ server: 'puppet.example.org' });
    expect(parseConfigPrint([], 'server')).toEqual({});
  });
});

describe('puppet.conf commands', () => {
  it('sets with puppet config set --section, quoting the value, with the binary the host reported', () => {
    expect(
      setCommand(probed('7.23.0', '/usr/bin/puppet'), { section: 'server', key: 'basemodulepath', value: '/srv/site/modules:/etc/puppet/code/modules' }).text,
    ).toBe('/usr/bin/puppet config set --section server basemodulepath /srv/site/modules:/etc/puppet/code/modules');
    expect(setCommand(plannedFlavor(8, 'openvox'), { section: 'server', key: 'autosign', value: '/etc/puppetlabs/puppet/autosign policy' }).text).toBe(
      "/opt/puppetlabs/bin/puppet config set --section server autosign '/etc/puppetlabs/puppet/autosign policy'",
    );
  });
  it('addresses 2.7 settings by augeas path in the puppet.conf Puppet reported', () => {
    expect(augeasPathOf(probed('2.7.23', '/usr/bin/puppet'), { section: 'main', key: 'server' })).toBe('/files/etc/puppet/puppet.conf/main/server');
    expect(
      augeasPathOf(probed('2.7.23', '/usr/bin/puppet', ['confdir = /srv/puppet', 'config = /srv/puppet/puppet.conf']), { section: 'main', key: 'server' }),
    ).toBe('/files/srv/puppet/puppet.conf/main/server');
    expect(augeasPathOf(plannedFlavor(2, 'distribution'), { section: 'agent', key: 'server' })).toBe('/files/etc/puppet/puppet.conf/agent/server');
  });
  it('prints one key or all, optionally in a section', () => {
    expect(printCommand(probed('3.8.7', '/usr/bin/puppet'), 'server', 'agent').text).toBe('/usr/bin/puppet config print server --section agent');
    expect(printCommand(probed('3.1.1', '/usr/bin/puppet')).text).toBe('/usr/bin/puppet agent --configprint all');
    // Before 3.5 there is no --section: the master's own view.
    expect(printCommand(probed('3.1.1', '/usr/bin/puppet'), 'ssldir', 'master').text).toBe('/usr/bin/puppet master --configprint ssldir');
  });
});
