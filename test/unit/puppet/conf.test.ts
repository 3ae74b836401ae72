import { describe, expect, it } from 'vitest';
import { augeasPathOf, parseConfigPrint, printCommand, setCommand } from '../../../src/puppet/conf.js';
import { flavorFor } from '../../../src/puppet/generation.js';
import { codenameOf, puppetRepoFor } from '../../../src/puppet/repo.js';
import type { Distribution } from '../../../src/platform/types.js';

const d = (id: string, version: string, like: string[] = []): Distribution => ({ id, version, like, major: Number(/^\d+/.exec(version)?.[0] ?? 0) });

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
  it('sets with puppet config set --section, quoting the value', () => {
    expect(setCommand(flavorFor('8.4.0'), { section: 'server', key: 'autosign', value: '/etc/puppetlabs/puppet/autosign policy' }).text).toBe(
      "/opt/puppetlabs/bin/puppet config set --section server autosign '/etc/puppetlabs/puppet/autosign policy'",
    );
  });
  it('addresses 2.7 settings by augeas path', () => {
    expect(augeasPathOf(flavorFor('2.7.23'), { section: 'main', key: 'server' })).toBe('/files/etc/puppet/puppet.conf/main/server');
  });
  it('prints one key or all, optionally in a section', () => {
    expect(printCommand(flavorFor('3.1.1', { puppet: '/usr/bin/puppet' }), 'server', 'agent').text).toBe('/usr/bin/puppet config print server --section agent');
    expect(printCommand(flavorFor('3.1.1', { puppet: '/usr/bin/puppet' })).text).toBe('/usr/bin/puppet config print');
  });
});

describe('puppetRepoFor', () => {
  it('gives the yum.puppet.com release package for EL, Fedora and Amazon Linux', () => {
    expect(puppetRepoFor(d('rhel', '9.4', ['fedora']), 8)).toEqual({ kind: 'release-package', package: 'puppet8-release', url: 'https://yum.puppet.com/puppet8-release-el-9.noarch.rpm', format: 'rpm' });
    expect(puppetRepoFor(d('rocky', '8.9', ['rhel', 'centos', 'fedora']), 7)).toMatchObject({ url: 'https://yum.puppet.com/puppet7-release-el-8.noarch.rpm' });
    expect(puppetRepoFor(d('fedora', '40'), 8)).toMatchObject({ url: 'https://yum.puppet.com/puppet8-release-fedora-40.noarch.rpm' });
    expect(puppetRepoFor(d('amzn', '2', ['centos', 'rhel', 'fedora']), 8)).toMatchObject({ url: 'https://yum.puppet.com/puppet8-release-amazon-2.noarch.rpm' });
  });
  it('gives the apt.puppet.com package by codename for Ubuntu and Debian', () => {
    expect(puppetRepoFor(d('ubuntu', '22.04', ['debian']), 8)).toEqual({ kind: 'release-package', package: 'puppet8-release', url: 'https://apt.puppet.com/puppet8-release-jammy.deb', format: 'deb' });
    expect(puppetRepoFor(d('debian', '12'), 7)).toMatchObject({ url: 'https://apt.puppet.com/puppet7-release-bookworm.deb' });
    expect(codenameOf(d('ubuntu', '24.04'))).toBe('noble');
  });
  it('uses the distribution packages for Puppet 3 where they existed, and refuses elsewhere', () => {
    expect(puppetRepoFor(d('fedora', '19'), 3)).toEqual({ kind: 'distribution', reason: 'fedora 19 ships Puppet 3 in its own repositories' });
    expect(puppetRepoFor(d('centos', '7.9', ['rhel', 'fedora']), 3)).toMatchObject({ kind: 'distribution' });
    expect(puppetRepoFor(d('rhel', '6.4', ['fedora']), 2)).toMatchObject({ kind: 'distribution', reason: 'rhel 6.4 ships Puppet 2.7 in its own repositories (EPEL)' });
    expect(() => puppetRepoFor(d('fedora', '40'), 3)).toThrow('no Puppet 3 packages for fedora 40');
  });
  it('refuses Puppet 7/8 on the seed-era Fedora 19 and EL6 with a way out', () => {
    expect(() => puppetRepoFor(d('fedora', '19'), 8)).toThrow('Puppet 8 has no packages for fedora 19');
    expect(() => puppetRepoFor(d('centos', '6.4', ['rhel', 'fedora']), 7)).toThrow('Puppet 7 has no packages for centos 6.4');
    expect(() => puppetRepoFor(d('ubuntu', '26.10', ['debian']), 8)).toThrow(/no packages for ubuntu 26.10/);
  });
});
