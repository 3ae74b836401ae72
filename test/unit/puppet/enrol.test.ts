// --enrol's pure parts: which distribution an image runs, which agent it gets from where,
// and the exact boot script cloud-init receives for a Debian, an EL and a Fedora image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OriginError, UsageError } from '../../../src/engine/errors.js';
import type { Distribution } from '../../../src/platform/types.js';
import type { TaskContext } from '../../../src/engine/context.js';
import {
  afterLaunch,
  chooseAgentPlan,
  enrolOs,
  imageDistribution,
  installCommands,
  parseEnrolOs,
  renderEnrolScript,
  requireEnrol,
  type MasterView,
} from '../../../src/puppet/enrol.js';
import { flavorFromProbe } from '../../../src/puppet/generation.js';

const d = (id: string, version: string, like: string[] = []): Distribution => ({ id, version, like, major: Number(/^\d+/.exec(version)?.[0] ?? 0) });
const debian12 = d('debian', '12');
const debian13 = d('debian', '13');
const rhel9 = d('rhel', '9.4', ['fedora']);
const fedora41 = d('fedora', '41');
const fedora43 = d('fedora', '43');
const ubuntu2404 = d('ubuntu', '24.04', ['debian']);

/** A master as its Puppet reports itself: Debian 12's own Puppet 7, or OpenVox 8 / Puppet Core 8 (all-in-one). */
const debianMaster: MasterView = {
  name: 'puppet.example.com',
  flavor: flavorFromProbe({
    puppet: '/usr/bin/puppet',
    puppetserver: '/usr/bin/puppetserver',
    version: '7.23.0',
    owner: 'puppet-agent',
    settings: { confdir: '/etc/puppet' },
  }),
  distro: debian12,
};
const openvoxMaster: MasterView = {
  name: 'puppet.example.com',
  flavor: flavorFromProbe({ puppet: '/opt/puppetlabs/bin/puppet', version: '8.23.1', owner: 'openvox-agent', settings: { confdir: '/etc/puppetlabs/puppet' } }),
};
const coreMaster: MasterView = {
  name: 'puppet.example.com',
  flavor: flavorFromProbe({ puppet: '/opt/puppetlabs/bin/puppet', version: '8.10.0', owner: 'puppet-agent', settings: { confdir: '/etc/puppetlabs/puppet' } }),
};

describe('imageDistribution: what an image runs, from what EC2 says of it', () => {
  const cases: [string, Parameters<typeof imageDistribution>[0], string | undefined][] = [
    ['Debian 12', { Name: 'debian-12-amd64-20240717-1811', Description: 'Debian 12 (20240717-1811)' }, 'debian 12'],
    ['Debian 13 arm64', { Name: 'debian-13-arm64-20250814-2204' }, 'debian 13'],
    ['Debian by codename only', { Name: 'my-bookworm-base', Description: 'debian bookworm with our tools' }, 'debian 12'],
    [
      'Ubuntu 24.04',
      { Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240801', Description: 'Canonical, Ubuntu, 24.04, amd64 noble image' },
      'ubuntu 24.04',
    ],
    [
      'Ubuntu Pro 22.04',
      { Name: 'ubuntu-pro-server/images/hvm-ssd/ubuntu-jammy-22.04-amd64-pro-server-20240701', PlatformDetails: 'Ubuntu Pro' },
      'ubuntu 22.04',
    ],
    ['Fedora Cloud 41', { Name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4', Description: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4' }, 'fedora 41'],
    ['Fedora Cloud 40', { Name: 'Fedora-Cloud-Base-40-1.14.x86_64-hvm-us-east-1-gp3-0' }, 'fedora 40'],
    ["the seed's Fedora 19", { Name: 'Fedora-x86_64-19-20130521-sda' }, 'fedora 19'],
    ['RHEL 9.4', { Name: 'RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3', PlatformDetails: 'Red Hat Enterprise Linux' }, 'rhel 9.4'],
    ['RHEL 8.10', { Name: 'RHEL-8.10.0_HVM-20240613-x86_64-0-Hourly2-GP3', PlatformDetails: 'Red Hat Enterprise Linux' }, 'rhel 8.10'],
    ['AlmaLinux 9.4', { Name: 'AlmaLinux OS 9.4.20240507 x86_64', Description: 'Official AlmaLinux OS 9.4 x86_64 image' }, 'almalinux 9.4'],
    ['Rocky 9', { Name: 'Rocky-9-EC2-Base-9.4-20240523.0.x86_64', Description: 'Rocky-9-EC2-Base-9.4-20240523.0.x86_64' }, 'rocky 9'],
    ['CentOS Stream 9', { Name: 'CentOS Stream 9 x86_64 20240603', Description: 'CentOS Stream 9 x86_64 20240603' }, 'centos 9'],
    ['CentOS Stream 10 (ec2 name)', { Name: 'CentOS-Stream-ec2-10-20250123.0.x86_64' }, 'centos 10'],
    [
      'Amazon Linux 2023',
      { Name: 'al2023-ami-2023.5.20240730.0-kernel-6.1-x86_64', Description: 'Amazon Linux 2023 AMI 2023.5.20240730.0 x86_64 HVM kernel-6.1' },
      'amzn 2023',
    ],
    [
      'Amazon Linux 2',
      { Name: 'amzn2-ami-kernel-5.10-hvm-2.0.20240709.1-x86_64-gp2', Description: 'Amazon Linux 2 Kernel 5.10 AMI 2.0.20240709.1 x86_64 HVM gp2' },
      'amzn 2',
    ],
    ['Windows', { Name: 'Windows_Server-2022-English-Full-Base-2024.07.10', PlatformDetails: 'Windows' }, undefined],
    ['Fedora CoreOS (Ignition, not cloud-init)', { Name: 'fedora-coreos-40.20240616.3.0-x86_64' }, undefined],
    ['a name that says nothing', { Name: 'golden-image-2024-07', Description: 'our base' }, undefined],
  ];
  it.each(cases)('%s', (_what, image, expected) => {
    const found = imageDistribution(image);
    expect(found ? `${found.id} ${found.version}` : undefined).toBe(expected);
  });

  it('gives the clones the family they follow', () => {
    expect(imageDistribution({ Name: 'Rocky-9-EC2-Base-9.4-20240523.0.x86_64' })?.like).toContain('rhel');
    expect(imageDistribution({ Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240801' })?.like).toEqual(['debian']);
  });
});

describe('--enrol-os ID:VERSION', () => {
  it('takes os-release IDs with a version', () => {
    expect(parseEnrolOs('debian:12')).toEqual(debian12);
    expect(parseEnrolOs('ubuntu:24.04')).toEqual(ubuntu2404);
    expect(parseEnrolOs('rhel:9')).toEqual(d('rhel', '9', ['fedora']));
  });
  it('refuses anything else with what it takes (exit 2)', () => {
    expect(enrolOs('debian')).toBe('ID:VERSION, e.g. debian:12, ubuntu:24.04, rhel:9, fedora:42');
    expect(enrolOs('suse:15')).toMatch(/^unknown distribution suse: one of debian, ubuntu, fedora, rhel, centos, almalinux, rocky, amzn$/);
    expect(() => parseEnrolOs('Debian:12')).toThrow(UsageError);
  });
  it('--enrol-* without --enrol is a usage error', () => {
    expect(() => requireEnrol({ enrol: undefined, enrolWait: true, enrolOs: 'debian:12' })).toThrow('--enrol-wait, --enrol-os without --enrol MASTER');
    expect(() => requireEnrol({ enrol: undefined, enrolWait: false })).not.toThrow();
  });
});

describe('chooseAgentPlan: the master major, from a source known to carry it', () => {
  it("takes the distribution's packages only on the master's own distribution and release", () => {
    const plan = chooseAgentPlan(debian12, debianMaster);
    expect(plan).toEqual({ source: 'distribution', major: 7, packages: ['puppet-agent'], service: 'puppet', label: "debian 12's Puppet 7 (puppet-agent)" });
  });

  it('else OpenVox of that major, where it is published', () => {
    expect(chooseAgentPlan(rhel9, debianMaster)).toMatchObject({
      source: 'openvox',
      major: 7,
      packages: ['openvox-agent'],
      release: { package: 'openvox7-release', url: 'https://yum.voxpupuli.org/openvox7-release-el-9.noarch.rpm' },
      label: 'OpenVox 7 (openvox-agent)',
    });
    // Debian 13 carries Puppet 8, not the master's 7: OpenVox 7 is not published there either.
    expect(() => chooseAgentPlan(debian13, debianMaster)).toThrow(OriginError);
    expect(chooseAgentPlan(fedora41, openvoxMaster)).toMatchObject({
      source: 'openvox',
      major: 8,
      release: { url: 'https://yum.voxpupuli.org/openvox8-release-fedora-41.noarch.rpm' },
    });
    // A Puppet Core master gets OpenVox agents of its major: a drop-in, and no key in the user data.
    expect(chooseAgentPlan(debian12, coreMaster)).toMatchObject({
      source: 'openvox',
      major: 8,
      release: { url: 'https://apt.voxpupuli.org/openvox8-release-debian12.deb' },
    });
  });

  it('refuses naming what would work', () => {
    const refuse = (distro: Distribution, master: MasterView, source?: 'distribution' | 'openvox') => {
      try {
        chooseAgentPlan(distro, master, source);
      } catch (e) {
        return `${(e as OriginError).message} | ${(e as OriginError).hint}`;
      }
      throw new Error('not refused');
    };
    expect(refuse(debian13, debianMaster)).toBe(
      "no Puppet 7 agent to install at boot on debian 13 (puppet.example.com runs Puppet 7.23.0 (the distribution's packages)) | OpenVox publishes only Puppet 8 for debian 13; the distribution's packages are taken only on the master's own debian 12; use another image, or enrol over SSH: origin-setup origin:puppetclient HOST puppet.example.com",
    );
    expect(refuse(debian13, debianMaster, 'openvox')).toMatch(/^no Puppet 7 agent from OpenVox to install at boot on debian 13 /);
    expect(refuse(fedora43, debianMaster)).toMatch(/^no Puppet 7 agent to install at boot on fedora 43 .* \| OpenVox publishes only Puppet 8 for fedora 43/);
    expect(refuse(rhel9, debianMaster, 'distribution')).toMatch(/\| what would work: OpenVox 7 \(--enrol-source openvox\)$/);
  });
});

/**
 * The boot script as it must reach cloud-init, written out here in full (not read from
 * templates/): the values and the install lines are the only parts that differ.
 */
function expectedScript(v: { agent: string; server: string; caServer: string; certname: string; install: string[]; challenge: string }): string {
  return `#!/bin/sh
# Written by origin-setup (--enrol): makes this instance a Puppet agent at its first boot.
# cloud-init runs it once, as root. It installs the agent, tells it its server, its
# certificate name and the master's autosign challenge, and only then starts it, so the
# first request it sends is one the master signs by policy.
#
# The challenge is part of the user data, which anything on this instance can read (the
# instance metadata service, cloud-init's copies under /var/lib/cloud). Nothing here
# prints it: there is no set -x, and it is written only to csr_attributes.yaml (0600).
set -eu

AGENT=${v.agent}
SERVER=${v.server}
CA_SERVER=${v.caServer}
CERTNAME=${v.certname}
SERVICE=puppet

say() { echo "origin-setup enrol: $*"; }

fetch() {
  mkdir -p "$(dirname "$2")"
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 5 -o "$2" "$1"; else wget -q -O "$2" "$1"; fi
}

# The instance's private DNS name as EC2 reports it (PrivateDnsName), from the metadata
# service with an IMDSv2 session token; the launching side waits for this name.
private_dns_name() {
  imds=http://169.254.169.254/latest
  ttl='X-aws-ec2-metadata-token-ttl-seconds: 60'
  if command -v curl >/dev/null 2>&1; then
    token=$(curl -fsS --retry 5 -X PUT -H "$ttl" "$imds/api/token") &&
      curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/local-hostname"
  else
    token=$(wget -q -O - --method=PUT --header="$ttl" "$imds/api/token") &&
      wget -q -O - --header="X-aws-ec2-metadata-token: $token" "$imds/meta-data/local-hostname"
  fi
}

install_agent() {
${v.install.map((l) => `  ${l}`).join('\n')}
}

# Debian's and Ubuntu's packages start their services while they are installed, and the
# agent must not run before it knows its server, its name and the challenge. A
# policy-rc.d that answers 101 (action forbidden) keeps invoke-rc.d and
# deb-systemd-invoke from starting anything until the install is done; one the image
# already had is put back afterwards. RPM packages start nothing.
held=
hold_services() {
  command -v apt-get >/dev/null 2>&1 || return 0
  if [ -e /usr/sbin/policy-rc.d ]; then mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.origin-setup; fi
  printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  held=1
}
release_services() {
  [ -n "$held" ] || return 0
  rm -f /usr/sbin/policy-rc.d
  if [ -e /usr/sbin/policy-rc.d.origin-setup ]; then mv /usr/sbin/policy-rc.d.origin-setup /usr/sbin/policy-rc.d; fi
  held=
}
trap release_services EXIT
trap 'release_services; exit 1' HUP INT TERM

say "installing $AGENT"
hold_services
install_agent
release_services

puppet=/opt/puppetlabs/bin/puppet
[ -x "$puppet" ] || puppet=$(command -v puppet) || { say "no puppet command after installing $AGENT"; exit 1; }

if [ -z "$CERTNAME" ]; then
  CERTNAME=$(private_dns_name | tr '[:upper:]' '[:lower:]')
  [ -n "$CERTNAME" ] || { say "the metadata service gave no private DNS name to use as the certificate name"; exit 1; }
fi

"$puppet" config set server "$SERVER" --section main
if [ -n "$CA_SERVER" ]; then "$puppet" config set ca_server "$CA_SERVER" --section main; fi
"$puppet" config set certname "$CERTNAME" --section main

# Where this Puppet reads the attributes of its certificate request, as it says itself.
csr_attributes=$("$puppet" config print csr_attributes --section agent)
mkdir -p "$(dirname "$csr_attributes")"
(
  umask 077
  cat > "$csr_attributes" <<'ORIGIN_SETUP_CSR_ATTRIBUTES'
# Written by origin-setup (--enrol) at first boot. The agent puts this challenge into
# its certificate request; the master's autosign policy signs a request that has it.
custom_attributes:
  1.2.840.113549.1.9.7: ${v.challenge}
ORIGIN_SETUP_CSR_ATTRIBUTES
)
chown 0:0 "$csr_attributes"
chmod 0600 "$csr_attributes"

if command -v systemctl >/dev/null 2>&1; then
  systemctl enable "$SERVICE"
  systemctl restart "$SERVICE"
else
  chkconfig "$SERVICE" on 2>/dev/null || update-rc.d "$SERVICE" defaults
  service "$SERVICE" restart
fi
say "$SERVICE started as $CERTNAME; it asks $SERVER for its certificate"
`;
}

describe('renderEnrolScript: the exact user data', () => {
  it("Debian 12 with a Debian 12 master: Debian's own puppet-agent, apt-get, the FQDN as certname", () => {
    const script = renderEnrolScript({
      plan: chooseAgentPlan(debian12, debianMaster),
      distro: debian12,
      server: 'puppet.example.com',
      certname: 'web1.example.com',
      challenge: "s3cret-Challenge-0123'x",
    });
    expect(script).toBe(
      expectedScript({
        agent: `'debian 12'\\''s Puppet 7 (puppet-agent)'`,
        server: 'puppet.example.com',
        caServer: "''",
        certname: 'web1.example.com',
        install: [`env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get -q update && apt-get -y install "$@"' sh puppet-agent`],
        challenge: `'s3cret-Challenge-0123''x'`,
      }),
    );
  });

  it('RHEL 9 with that master and a split CA: OpenVox 7 from its release package with dnf, certname from the metadata service', () => {
    const distro = imageDistribution({ Name: 'RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3', PlatformDetails: 'Red Hat Enterprise Linux' })!;
    const script = renderEnrolScript({
      plan: chooseAgentPlan(distro, debianMaster),
      distro,
      server: 'puppet.example.com',
      caServer: 'ca.example.com',
      challenge: 'abcdefghijklmnopqrstuvwxyz0123456789-_AB',
    });
    expect(script).toBe(
      expectedScript({
        agent: `'OpenVox 7 (openvox-agent)'`,
        server: 'puppet.example.com',
        caServer: 'ca.example.com',
        certname: "''",
        install: ['dnf -y install https://yum.voxpupuli.org/openvox7-release-el-9.noarch.rpm', 'dnf -y install openvox-agent'],
        challenge: `'abcdefghijklmnopqrstuvwxyz0123456789-_AB'`,
      }),
    );
  });

  it('Fedora 41 with an OpenVox 8 master: OpenVox 8 for Fedora 41', () => {
    const distro = imageDistribution({ Name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4' })!;
    const script = renderEnrolScript({
      plan: chooseAgentPlan(distro, openvoxMaster),
      distro,
      server: 'puppet.example.com',
      certname: 'db1.example.com',
      challenge: 'Zm9vYmFyYmF6cXV4LXNlY3JldA',
    });
    expect(script).toBe(
      expectedScript({
        agent: `'OpenVox 8 (openvox-agent)'`,
        server: 'puppet.example.com',
        caServer: "''",
        certname: 'db1.example.com',
        install: ['dnf -y install https://yum.voxpupuli.org/openvox8-release-fedora-41.noarch.rpm', 'dnf -y install openvox-agent'],
        challenge: `'Zm9vYmFyYmF6cXV4LXNlY3JldA'`,
      }),
    );
  });

  it("a Debian image without the master's packages fetches OpenVox's .deb first", () => {
    expect(installCommands(chooseAgentPlan(debian12, coreMaster), debian12)).toEqual([
      'fetch https://apt.voxpupuli.org/openvox8-release-debian12.deb /var/cache/origin-setup/openvox8-release-debian12.deb',
      `env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get -q update && apt-get -y install "$@"' sh /var/cache/origin-setup/openvox8-release-debian12.deb`,
      `env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get -q update && apt-get -y install "$@"' sh openvox-agent`,
    ]);
  });

  it('is 7-bit text that sh parses, and refuses a challenge that could break out of the here-document', () => {
    const script = renderEnrolScript({
      plan: chooseAgentPlan(ubuntu2404, openvoxMaster),
      distro: ubuntu2404,
      server: 'puppet.example.com',
      challenge: 'x'.repeat(40),
    });
    expect([...Buffer.from(script)].every((b) => b < 0x80)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'origin-enrol-'));
    try {
      writeFileSync(join(dir, 'boot.sh'), script);
      expect(() => execFileSync('sh', ['-n', join(dir, 'boot.sh')], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() =>
      renderEnrolScript({
        plan: chooseAgentPlan(debian12, debianMaster),
        distro: debian12,
        server: 'p',
        challenge: 'abcdefghijkl\nORIGIN_SETUP_CSR_ATTRIBUTES',
      }),
    ).toThrow(/cannot go into the boot script/);
  });
});

describe('afterLaunch: the certificate name once the instance exists', () => {
  const enrolment = {
    master: 'puppet.example.com',
    ca: 'puppet.example.com',
    distro: debian12,
    plan: chooseAgentPlan(debian12, debianMaster),
    script: '#!/bin/sh\n',
  };
  const ctx = { dryRun: false } as TaskContext;
  it("is the instance's private DNS name, lower case, when none was given; the given one otherwise", async () => {
    expect(await afterLaunch(ctx, enrolment, { id: 'i-1', privateDnsName: 'IP-10-0-0-5.ec2.internal' }, undefined)).toEqual({
      master: 'puppet.example.com',
      ca: 'puppet.example.com',
      certname: 'ip-10-0-0-5.ec2.internal',
      agent: "debian 12's Puppet 7 (puppet-agent)",
    });
    expect(
      (await afterLaunch(ctx, { ...enrolment, certname: 'web1.example.com' }, { id: 'i-1', privateDnsName: 'ip-10-0-0-5.ec2.internal' }, undefined)).certname,
    ).toBe('web1.example.com');
  });
});
