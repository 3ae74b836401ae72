// The puppet stand-in against what it stands in for: the real Puppet of this machine where
// there is one (Debian 12's 7.23.0 in CI), and PUPPET_PROBE run over it locally.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flavorFromProbe, parsePuppetProbe, PROBED_SETTINGS, PUPPET_PROBE } from '../../src/puppet/generation.js';
import { packageOwnerStandIns, probeOutput, puppetSettings, puppetStandIn, type PuppetStandInOptions } from './puppet-stand-in.js';

const KEYS = [
  'confdir',
  'vardir',
  'codedir',
  'ssldir',
  'config',
  'manifest',
  'basemodulepath',
  'modulepath',
  'environmentpath',
  'autosign',
  'csr_attributes',
  'certname',
];

function script(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'puppet-stand-in-'));
  const path = join(dir, 'puppet');
  writeFileSync(path, text);
  return path;
}

function run(text: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', [script(text), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const realPuppet = process.getuid?.() === 0 && existsSync('/usr/bin/puppet') && !existsSync('/opt/puppetlabs/bin/puppet');
const realVersion = realPuppet ? execFileSync('/usr/bin/puppet', ['--version'], { encoding: 'utf8' }).trim() : '';

describe('the stand-in next to the real Puppet', () => {
  it.skipIf(!realPuppet || !realVersion.startsWith('7.'))(
    "prints what this machine's Puppet 7 prints, byte for byte",
    () => {
      const certname = execFileSync('/usr/bin/puppet', ['config', 'print', 'certname'], { encoding: 'utf8', cwd: '/' }).trim();
      const stand = puppetStandIn({ version: realVersion, layout: 'distribution', certname });
      for (const args of [
        ['config', 'print', ...KEYS, '--section', 'server', '--environment', 'production'],
        ['config', 'print', 'confdir', 'nosuchsetting', '--section', 'server'],
        ['config', 'print', 'ssldir'],
        ['--version'],
      ]) {
        const real = execFileSync('/usr/bin/puppet', args, { encoding: 'utf8', cwd: '/' });
        expect(run(stand, args).stdout, args.join(' ')).toBe(real);
      }
      // Each real `puppet` call starts Ruby: seconds apiece on a busy two-core machine.
    },
    90_000,
  );
});

describe('puppetSettings', () => {
  it('leaves out what a version does not know', () => {
    expect(Object.keys(puppetSettings({ version: '3.1.1' }))).not.toContain('csr_attributes');
    expect(Object.keys(puppetSettings({ version: '3.4.3' }))).toContain('csr_attributes');
    expect(Object.keys(puppetSettings({ version: '3.8.7' }))).toEqual(expect.arrayContaining(['basemodulepath', 'manifestdir']));
    expect(Object.keys(puppetSettings({ version: '3.8.7' }))).not.toContain('codedir');
    expect(Object.keys(puppetSettings({ version: '7.23.0' }))).not.toContain('manifestdir');
  });
  it('lays overrides over the layout', () => {
    expect(puppetSettings({ version: '8.10.0', layout: 'aio', settings: { ssldir: '/srv/ssl' }, certname: 'a.example' })).toMatchObject({
      confdir: '/etc/puppetlabs/puppet',
      ssldir: '/srv/ssl',
      certname: 'a.example',
    });
  });
});

describe('config print and set, per version', () => {
  it('3.1: sorted, stops at the first unknown key, refuses --section and config set', () => {
    const p = puppetStandIn({ version: '3.1.1' });
    expect(run(p, ['config', 'print', 'vardir', 'autosign', 'basemodulepath', 'confdir']).stdout).toBe(
      'autosign = /etc/puppet/autosign.conf\ninvalid parameter: basemodulepath\n',
    );
    const section = run(p, ['config', 'print', 'confdir', '--section', 'master']);
    expect(section).toEqual({ code: 1, stdout: '', stderr: 'Error: Could not parse application options: invalid option: --section\n' });
    expect(run(p, ['config', 'set', 'server', 'puppet.example.com']).code).toBe(1);
    expect(run(p, ['master', '--configprint', 'vardir,confdir']).stdout).toBe('confdir = /etc/puppet\nvardir = /var/lib/puppet\n');
  });
  it('3.5 to 5: in the order asked, unknown keys empty', () => {
    expect(run(puppetStandIn({ version: '4.10.12' }), ['config', 'print', 'vardir', 'nosuch', 'confdir']).stdout).toBe(
      'vardir = /var/cache/puppet\nnosuch = \nconfdir = /etc/puppet\n',
    );
  });
  it("config set is remembered per section, [main] for every section; [main]'s default_manifest is the manifest", () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'puppet-state-'));
    const p = puppetStandIn({ version: '8.10.0', layout: 'aio', stateDir });
    // As Puppet 7.23's config print: a default_manifest only in [server] is not the manifest, even with --section server.
    expect(run(p, ['config', 'set', '--section', 'server', 'default_manifest', '/srv/server.pp']).code).toBe(0);
    expect(run(p, ['config', 'print', 'manifest', '--section', 'server']).stdout).toBe('/etc/puppetlabs/code/environments/production/manifests\n');
    expect(run(p, ['config', 'set', 'default_manifest', '/srv/site.pp']).code).toBe(0);
    expect(run(p, ['config', 'set', 'server', 'puppet.example.com']).code).toBe(0);
    expect(run(p, ['config', 'print', 'manifest', 'server', '--section', 'server']).stdout).toBe('manifest = /srv/site.pp\nserver = puppet.example.com\n');
    expect(run(p, ['config', 'print', 'manifest', '--section', 'agent']).stdout).toBe('/srv/site.pp\n');
  });
  it('cert exists up to 5 only; agent and module answer from the state directory', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'puppet-state-'));
    expect(run(puppetStandIn({ version: '3.1.1', certList: '+ "a" (SHA256) AA:BB\n' }), ['cert', 'list', '--all']).stdout).toBe('+ "a" (SHA256) AA:BB\n');
    expect(run(puppetStandIn({ version: '7.23.0' }), ['cert', 'list'])).toMatchObject({ code: 1, stderr: "Error: Unknown Puppet subcommand 'cert'\n" });
    writeFileSync(join(stateDir, 'run'), 'Notice: done\n');
    writeFileSync(join(stateDir, 'run.exit'), '2');
    expect(run(puppetStandIn({ version: '7.23.0', stateDir }), ['agent', '--onetime'])).toEqual({ code: 2, stdout: 'Notice: done\n', stderr: '' });
  });
});

describe('PUPPET_PROBE over the stand-ins', () => {
  function probe(o: PuppetStandInOptions, owner: Parameters<typeof packageOwnerStandIns>[0]): string[] {
    const bin = mkdtempSync(join(tmpdir(), 'puppet-bin-'));
    const put = (name: string, text: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${text}`);
      chmodSync(join(bin, name), 0o755);
    };
    put('puppet', puppetStandIn(o));
    const owners = packageOwnerStandIns(owner);
    for (const name of ['dpkg', 'rpm'] as const) {
      const b = owners[name];
      put(name, b.script ?? `${b.stderr ? `printf '%s' '${b.stderr}' >&2\n` : ''}exit ${b.exit ?? 0}\n`);
    }
    mkdirSync(join(bin, 'empty'), { recursive: true });
    const r = spawnSync('/bin/sh', ['-c', PUPPET_PROBE.text], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, HOME: join(bin, 'empty') } });
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  it.skipIf(existsSync('/opt/puppetlabs/bin/puppet'))('reads a Debian-layout Puppet 7 and an OpenVox one as flavorFromProbe expects', () => {
    const debian = probe({ version: '7.23.0', layout: 'distribution' }, { manager: 'deb', owner: 'puppet-agent' });
    const bin = debian[0]!.slice('puppet='.length);
    expect(debian).toEqual(
      probeOutput({ version: '7.23.0', layout: 'distribution', puppet: bin, puppetserver: debian[1]!.slice('puppetserver='.length), owner: 'puppet-agent' }),
    );
    expect(debian.slice(4).map((l) => l.split(' = ')[0])).toEqual([...PROBED_SETTINGS]);
    expect(flavorFromProbe(parsePuppetProbe(debian))).toMatchObject({ source: 'distribution', confdir: '/etc/puppet', vardir: '/var/cache/puppet' });

    const openvox = flavorFromProbe(parsePuppetProbe(probe({ version: '8.10.0', layout: 'aio' }, { manager: 'rpm', owner: 'openvox-agent' })));
    expect(openvox).toMatchObject({ source: 'openvox', confdir: '/etc/puppetlabs/puppet', paths: { ssldir: '/etc/puppetlabs/puppet/ssl' } });
  });

  it.skipIf(existsSync('/opt/puppetlabs/bin/puppet'))("reads Fedora 19's Puppet 3.1.1, whose rpm owns it", () => {
    const lines = probe({ version: '3.1.1' }, { manager: 'rpm', owner: 'puppet' });
    expect(lines).toContain('owner=puppet');
    expect(lines).not.toContain('invalid parameter: basemodulepath');
    expect(flavorFromProbe(parsePuppetProbe(lines))).toMatchObject({
      major: 3,
      source: 'distribution',
      confEdit: 'augeas',
      paths: { basemodulepath: '/etc/puppet/modules:/usr/share/puppet/modules' },
    });
  });
});
