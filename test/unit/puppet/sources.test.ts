import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/config/settings.js';
import { OriginError, UsageError } from '../../../src/engine/errors.js';
import { aptOffer, rpmOffer } from '../../../src/platform/packages.js';
import type { Distribution } from '../../../src/platform/types.js';
import {
  candidates,
  choosePlan,
  distributionPlan,
  packageMajor,
  parseSource,
  publishedMajors,
  releasePackage,
  repositoryPlan,
  sourceSetting,
  type Offer,
} from '../../../src/puppet/sources.js';

const d = (id: string, version: string, like: string[] = []): Distribution => ({ id, version, like, major: Number(/^\d+/.exec(version)?.[0] ?? 0) });
const debian11 = d('debian', '11');
const debian12 = d('debian', '12');
const fedora19 = d('fedora', '19');
const fedora42 = d('fedora', '42');
const rhel9 = d('rhel', '9.4', ['fedora']);
const ubuntu2404 = d('ubuntu', '24.04', ['debian']);
const amazon2023 = d('amzn', '2023', ['fedora']);

// `apt-cache policy puppet-agent puppet puppetserver puppetmaster puppet-master` on Debian 12
// (bookworm with bookworm-security), as it printed here; puppetmaster is unknown (no block).
const DEBIAN12_POLICY = [
  'puppet-agent:',
  '  Installed: (none)',
  '  Candidate: 7.23.0-1+deb12u1',
  '  Version table:',
  '     7.23.0-1+deb12u1 500',
  '        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages',
  '     7.23.0-1 500',
  '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
  'puppet:',
  '  Installed: (none)',
  '  Candidate: 7.23.0-1+deb12u1',
  '  Version table:',
  '     7.23.0-1+deb12u1 500',
  '        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages',
  'puppetserver:',
  '  Installed: (none)',
  '  Candidate: 7.9.5-2+deb12u1',
  '  Version table:',
  '     7.9.5-2+deb12u1 500',
  '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
  'puppet-master:',
  '  Installed: (none)',
  '  Candidate: 7.9.5-2+deb12u1',
  '  Version table:',
  '     7.9.5-2+deb12u1 500',
  '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
];

// `yum -q list available puppet puppet-server puppetserver` on Fedora 19.
const FEDORA19_LIST = [
  'Available Packages',
  'puppet.noarch                            3.1.1-3.fc19                     fedora  ',
  'puppet-server.noarch                     3.1.1-3.fc19                     fedora  ',
];

const debian12Offer = aptOffer(DEBIAN12_POLICY);
const fedora19Offer = rpmOffer(FEDORA19_LIST);
const fedora42Offer: Offer = { puppet: '8.10.0-3.fc42' };

describe('the offers as the package managers print them', () => {
  it('reads the real Debian 12 apt-cache policy and Fedora 19 yum list', () => {
    expect(debian12Offer).toEqual({
      'puppet-agent': '7.23.0-1+deb12u1',
      puppet: '7.23.0-1+deb12u1',
      puppetserver: '7.9.5-2+deb12u1',
      'puppet-master': '7.9.5-2+deb12u1',
    });
    expect(fedora19Offer).toEqual({ puppet: '3.1.1-3.fc19', 'puppet-server': '3.1.1-3.fc19' });
  });
});

describe('packageMajor', () => {
  it('reads the major past an epoch', () => {
    expect(packageMajor('7.23.0-1+deb12u1')).toBe(7);
    expect(packageMajor('3.1.1-3.fc19')).toBe(3);
    expect(packageMajor('1:7.23.0-1.el9')).toBe(7);
    expect(packageMajor('2:8.10.0-1')).toBe(8);
  });
});

describe('distributionPlan', () => {
  it('Debian 12: puppet-agent 7.23.0 and puppetserver 7.9.5 are Puppet 7 with a server', () => {
    expect(distributionPlan(debian12, { 'puppet-agent': '7.23.0-1+deb12u1', puppetserver: '7.9.5-2+deb12u1' })).toEqual({
      source: 'distribution',
      major: 7,
      version: '7.23.0',
      agent: ['puppet-agent'],
      server: ['puppetserver'],
      label: "debian 12's Puppet 7.23.0",
    });
    // The transitional packages do not change the choice.
    expect(distributionPlan(debian12, debian12Offer)).toMatchObject({ agent: ['puppet-agent'], server: ['puppetserver'] });
  });
  it('Fedora 19: puppet 3.1.1 and puppet-server are Puppet 3 with a server', () => {
    expect(distributionPlan(fedora19, fedora19Offer)).toEqual({
      source: 'distribution',
      major: 3,
      version: '3.1.1',
      agent: ['puppet'],
      server: ['puppet-server'],
      label: "fedora 19's Puppet 3.1.1",
    });
  });
  it('Fedora 42: only the agent, no server', () => {
    expect(distributionPlan(fedora42, fedora42Offer)).toMatchObject({ major: 8, version: '8.10.0', agent: ['puppet'], server: [] });
  });
  it('strips epochs; a server of another major is no server; puppetserver 2 served Puppet 4', () => {
    expect(distributionPlan(rhel9, { puppet: '1:7.23.0-1.el9', puppetserver: '1:7.9.5-1.el9' })).toMatchObject({
      major: 7,
      version: '7.23.0',
      server: ['puppetserver'],
    });
    expect(distributionPlan(rhel9, { puppet: '1:8.4.0-1.el9', puppetserver: '7.9.5-1.el9' })).toMatchObject({ major: 8, server: [] });
    expect(distributionPlan(d('ubuntu', '18.04'), { puppet: '5.4.0-2ubuntu3', 'puppet-master': '5.4.0-2ubuntu3' })).toMatchObject({
      major: 5,
      server: ['puppet-master'],
    });
    expect(distributionPlan(d('debian', '9'), { puppet: '4.8.2-5', puppetserver: '2.7.2-1' })).toMatchObject({ major: 4, server: ['puppetserver'] });
  });
  it('gives nothing without an agent', () => {
    expect(distributionPlan(rhel9, {})).toBeUndefined();
    expect(distributionPlan(rhel9, { puppetserver: '7.9.5-1' })).toBeUndefined();
  });
});

describe('releasePackage', () => {
  it('OpenVox: apt.voxpupuli.org by family and release, yum.voxpupuli.org by tag', () => {
    expect(releasePackage('openvox', 8, debian12)).toEqual({
      package: 'openvox8-release',
      url: 'https://apt.voxpupuli.org/openvox8-release-debian12.deb',
      format: 'deb',
      forgeKey: false,
      repoHost: 'apt.voxpupuli.org',
    });
    expect(releasePackage('openvox', 8, ubuntu2404).url).toBe('https://apt.voxpupuli.org/openvox8-release-ubuntu24.04.deb');
    expect(releasePackage('openvox', 8, d('ubuntu', '22.04.4', ['debian'])).url).toBe('https://apt.voxpupuli.org/openvox8-release-ubuntu22.04.deb');
    expect(releasePackage('openvox', 8, amazon2023)).toEqual({
      package: 'openvox8-release',
      url: 'https://yum.voxpupuli.org/openvox8-release-amazon-2023.noarch.rpm',
      format: 'rpm',
      forgeKey: false,
      repoHost: 'yum.voxpupuli.org',
    });
    expect(releasePackage('openvox', 7, rhel9).url).toBe('https://yum.voxpupuli.org/openvox7-release-el-9.noarch.rpm');
    expect(releasePackage('openvox', 8, d('fedora', '40')).url).toBe('https://yum.voxpupuli.org/openvox8-release-fedora-40.noarch.rpm');
  });
  it('Puppet Core: the puppetcore hosts, Debian and Ubuntu by codename, needing the Forge key', () => {
    expect(releasePackage('puppetcore', 8, debian12)).toEqual({
      package: 'puppet8-release',
      url: 'https://apt-puppetcore.puppet.com/public/puppet8-release-bookworm.deb',
      format: 'deb',
      forgeKey: true,
      repoHost: 'apt-puppetcore.puppet.com',
    });
    expect(releasePackage('puppetcore', 8, ubuntu2404).url).toBe('https://apt-puppetcore.puppet.com/public/puppet8-release-noble.deb');
    expect(releasePackage('puppetcore', 8, amazon2023)).toMatchObject({
      url: 'https://yum-puppetcore.puppet.com/public/puppet8-release-amazon-2023.noarch.rpm',
      format: 'rpm',
      forgeKey: true,
    });
    expect(releasePackage('puppetcore', 7, rhel9).url).toBe('https://yum-puppetcore.puppet.com/public/puppet7-release-el-9.noarch.rpm');
  });
});

describe('publishedMajors and repositoryPlan', () => {
  it('knows what each source publishes where', () => {
    expect(publishedMajors('openvox', rhel9)).toEqual([8, 7]);
    expect(publishedMajors('openvox', fedora42)).toEqual([8]);
    expect(publishedMajors('openvox', fedora19)).toEqual([]);
    expect(publishedMajors('puppetcore', fedora42)).toEqual([]);
    expect(publishedMajors('puppetcore', debian12)).toEqual([8, 7]);
    expect(publishedMajors('openvox', d('ubuntu', '26.10', ['debian']))).toEqual([]);
  });
  it('names the packages of each source', () => {
    expect(repositoryPlan('openvox', 8, rhel9)).toMatchObject({ agent: ['openvox-agent'], server: ['openvox-server'], label: 'OpenVox 8' });
    expect(repositoryPlan('puppetcore', 8, rhel9)).toMatchObject({ agent: ['puppet-agent'], server: ['puppetserver'], label: 'Puppet Core 8' });
    expect(repositoryPlan('openvox', 7, fedora42)).toBeUndefined();
  });
  it('lists the distribution first, then OpenVox, then Puppet Core', () => {
    expect(candidates(debian12, debian12Offer).map((p) => `${p.source} ${p.major}`)).toEqual([
      'distribution 7',
      'openvox 8',
      'openvox 7',
      'puppetcore 8',
      'puppetcore 7',
    ]);
  });
});

describe('choosePlan', () => {
  const errorOf = (f: () => unknown): OriginError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(OriginError);
      return e as OriginError;
    }
    throw new Error('no error');
  };

  it("a master on Fedora 19 gets the distribution's Puppet 3", () => {
    expect(choosePlan(fedora19, fedora19Offer, { role: 'master' })).toMatchObject({
      source: 'distribution',
      major: 3,
      agent: ['puppet'],
      server: ['puppet-server'],
    });
  });
  it("a master on Debian 12 gets the distribution's Puppet 7", () => {
    expect(choosePlan(debian12, debian12Offer, { role: 'master' })).toMatchObject({
      source: 'distribution',
      major: 7,
      version: '7.23.0',
      server: ['puppetserver'],
    });
  });
  it('a master on RHEL 9 (the distribution offers nothing) gets OpenVox 8', () => {
    const plan = choosePlan(rhel9, {}, { role: 'master' });
    expect(plan).toMatchObject({ source: 'openvox', major: 8, agent: ['openvox-agent'], server: ['openvox-server'] });
    expect(plan.release?.url).toBe('https://yum.voxpupuli.org/openvox8-release-el-9.noarch.rpm');
  });
  it('a master on Fedora 42, whose distribution has only the agent, gets OpenVox 8', () => {
    expect(choosePlan(fedora42, fedora42Offer, { role: 'master' })).toMatchObject({ source: 'openvox', major: 8 });
    // An agent there takes the distribution's.
    expect(choosePlan(fedora42, fedora42Offer, { role: 'agent' })).toMatchObject({ source: 'distribution', major: 8 });
  });
  it("a master on Debian 11 skips the distribution's Puppet 5, which cannot serve current agents", () => {
    expect(choosePlan(debian11, { puppet: '5.5.22-2', 'puppet-master': '5.5.22-2' }, { role: 'master' })).toMatchObject({ source: 'openvox', major: 8 });
  });
  it("an agent takes its master's major: 7 on RHEL 9 is OpenVox 7", () => {
    const plan = choosePlan(rhel9, {}, { role: 'agent', major: 7, majorReason: 'the master runs Puppet 7' });
    expect(plan).toMatchObject({ source: 'openvox', major: 7 });
    expect(plan.release?.url).toBe('https://yum.voxpupuli.org/openvox7-release-el-9.noarch.rpm');
    // Debian 12's own 7 fits an agent of a Puppet 7 master.
    expect(choosePlan(debian12, debian12Offer, { role: 'agent', major: 7 })).toMatchObject({ source: 'distribution', major: 7 });
  });
  it('an agent of Puppet 7 on Fedora 42 is refused, the hint listing what the host can run', () => {
    const e = errorOf(() => choosePlan(fedora42, fedora42Offer, { role: 'agent', major: 7, majorReason: 'the master runs Puppet 7' }));
    expect(e.message).toBe('no Puppet agent of Puppet 7 for fedora 42 (the master runs Puppet 7)');
    expect(e.hint).toBe(
      "fedora 42 can run fedora 42's Puppet 8.10.0 (--source distribution); OpenVox 8 (--source openvox --puppet 8); build the master on a Puppet its agents can match",
    );
  });
  it('--source puppetcore gives Puppet Core 8 from yum-puppetcore.puppet.com, never a default', () => {
    const plan = choosePlan(rhel9, {}, { role: 'master', source: 'puppetcore' });
    expect(plan).toMatchObject({ source: 'puppetcore', major: 8, agent: ['puppet-agent'], server: ['puppetserver'] });
    expect(plan.release).toMatchObject({
      package: 'puppet8-release',
      url: 'https://yum-puppetcore.puppet.com/public/puppet8-release-el-9.noarch.rpm',
      forgeKey: true,
    });
    expect(choosePlan(rhel9, {}, { role: 'master' }).source).not.toBe('puppetcore');
  });
  it('--source distribution where it has no server, and --source openvox on Fedora 19, name what would work', () => {
    const openvox = errorOf(() => choosePlan(fedora19, fedora19Offer, { role: 'master', source: 'openvox' }));
    expect(openvox.message).toBe('no Puppet server from OpenVox for fedora 19');
    expect(openvox.hint).toBe("what would work: fedora 19's Puppet 3.1.1 (--source distribution)");
    const own = errorOf(() => choosePlan(fedora42, fedora42Offer, { role: 'master', source: 'distribution' }));
    expect(own.message).toBe("no Puppet server from the distribution's packages for fedora 42");
    expect(own.hint).toBe('what would work: OpenVox 8 (--source openvox --puppet 8)');
  });
  it('says when nothing is published at all', () => {
    const e = errorOf(() => choosePlan(d('ubuntu', '26.10', ['debian']), {}, { role: 'master' }));
    expect(e.message).toBe('no Puppet server for ubuntu 26.10');
    expect(e.hint).toBe('nothing publishes a Puppet server for ubuntu 26.10');
  });
});

describe('parseSource and sourceSetting', () => {
  it('accepts the three sources, nothing for empty, and refuses the rest with a UsageError', () => {
    expect(parseSource('openvox', '--source')).toBe('openvox');
    expect(parseSource('puppetcore', '--source')).toBe('puppetcore');
    expect(parseSource('distribution', '--source')).toBe('distribution');
    expect(parseSource(undefined, '--source')).toBeUndefined();
    expect(parseSource('', '--source')).toBeUndefined();
    expect(() => parseSource('puppetlabs', '--source')).toThrow(UsageError);
    expect(() => parseSource('puppetlabs', '--source')).toThrow('--source puppetlabs: choose one of distribution, openvox, puppetcore');
  });
  it('takes --source over PuppetSource in the config file, and names the file when that is wrong', () => {
    const settings = (puppetSource?: string) => ({ awscred: () => ({ path: '/home/u/.awscred', puppetSource, sections: {} }) }) as unknown as Settings;
    expect(sourceSetting(settings('puppetcore'), 'openvox')).toBe('openvox');
    expect(sourceSetting(settings('puppetcore'), undefined)).toBe('puppetcore');
    expect(sourceSetting(settings(undefined), undefined)).toBeUndefined();
    expect(() => sourceSetting(settings('yum'), undefined)).toThrow('PuppetSource in /home/u/.awscred: yum: choose one of');
  });
});
