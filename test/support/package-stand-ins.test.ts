// The generated stand-ins must answer exactly as the real tools do (package-queries.md):
// each script runs under /bin/sh with stdout a pipe, as over ssh without a pty.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOGUES, debCompare, packageQueryScript, rpmCompare, type Catalogue, type Flavour } from './package-stand-ins.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkg-stand-ins-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(flavour: Flavour, catalogue: Catalogue, args: string[], state?: string) {
  const file = join(dir, `${flavour}.sh`);
  writeFileSync(file, packageQueryScript(flavour, catalogue, state ? { state } : {}));
  const r = spawnSync('/bin/sh', [file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { stdout: r.stdout, stderr: r.stderr, exit: r.status };
}

const YUM = ['-q', 'list', 'available', 'puppet', 'puppet-server', 'puppetserver'];
const DNF = ['-q', 'list', '--available', 'puppet', 'puppet-server', 'puppetserver'];
const APT = ['policy', 'puppet-agent', 'puppet', 'puppetserver', 'puppetmaster'];

describe('yum 3 (Fedora 19, EL6/EL7): yum -q list available NAME…', () => {
  const f19 = CATALOGUES.fedora19!.catalogue;

  it('lists what is available under "Available Packages", columns laid out for 80 characters', () => {
    // Expected text: yum's calcColumns/fmtColumns (same code in dnf/cli/output.py) run on these rows.
    expect(run('yum3', f19, YUM)).toEqual({
      stdout:
        'Available Packages\n' +
        'puppet.noarch                            3.1.1-3.fc19                     fedora\n' +
        'puppet-server.noarch                     3.1.1-3.fc19                     fedora\n',
      stderr: '',
      exit: 0,
    });
    expect(run('yum3', f19, ['-q', 'list', 'available', 'puppet']).stdout).toBe(
      'Available Packages\npuppet.noarch                        3.1.1-3.fc19                         fedora\n',
    );
  });

  it('says "Error: No matching Packages to list" on stderr and exits 1 when nothing matches', () => {
    expect(run('yum3', f19, ['-q', 'list', 'available', 'puppetserver', 'puppet-agent'])).toEqual({
      stdout: '',
      stderr: 'Error: No matching Packages to list\n',
      exit: 1,
    });
    expect(run('yum3', CATALOGUES.rhel9!.catalogue, YUM).exit).toBe(1);
  });

  it('leaves out what is installed at the same version (also after an install through the stand-in)', () => {
    const state = join(dir, 'state');
    spawnSync('mkdir', [state]);
    expect(run('yum3', f19, ['-y', 'install', 'puppet'], state)).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(existsSync(join(state, 'pkg.puppet'))).toBe(true);
    expect(run('yum3', f19, YUM, state).stdout).toBe('Available Packages\npuppet-server.noarch                     3.1.1-3.fc19                     fedora\n');
    run('yum3', f19, ['install', '-y', 'puppet-server'], state);
    expect(run('yum3', f19, YUM, state)).toEqual({ stdout: '', stderr: 'Error: No matching Packages to list\n', exit: 1 });
    // An older installed version is still an available upgrade; the same one is not.
    expect(run('yum3', { ...f19, installed: { puppet: '3.0.2-1.fc19' } }, ['list', 'available', 'puppet']).exit).toBe(0);
    expect(run('yum3', { ...f19, installed: { puppet: '3.1.1-3.fc19' } }, ['list', 'available', 'puppet']).exit).toBe(1);
  });

  it('is a silent success for anything else', () => {
    expect(run('yum3', f19, ['list', 'installed'])).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(run('yum3', f19, ['-q', 'makecache'])).toEqual({ stdout: '', stderr: '', exit: 0 });
  });
});

describe('dnf 4 (EL8/9, Fedora ≤ 40, Amazon Linux 2023): dnf -q list --available NAME…', () => {
  const two: Catalogue = {
    available: { puppet: '3.1.1-3.fc19', 'puppet-server': '3.1.1-3.fc19' },
    origin: { 'puppet-server': 'updates' },
    defaultOrigin: 'fedora',
  };

  it('lists under "Available Packages"; a shorter last column is padded with spaces', () => {
    // Expected text: dnf 4.24 calcColumns (real_columns None: stdout no terminal) + fmtColumns.
    expect(run('dnf4', two, DNF)).toEqual({
      stdout:
        'Available Packages\n' +
        'puppet.noarch                           3.1.1-3.fc19                     fedora \n' +
        'puppet-server.noarch                    3.1.1-3.fc19                     updates\n',
      stderr: '',
      exit: 0,
    });
    expect(run('dnf4', { available: { puppet: '8.10.0-1.fc42' } }, DNF).stdout).toBe(
      'Available Packages\npuppet.noarch                       8.10.0-1.fc42                        updates\n',
    );
  });

  it('accepts the positional "available" too', () => {
    expect(run('dnf4', two, YUM).stdout).toBe(run('dnf4', two, DNF).stdout);
  });

  it('says "Error: No matching Packages to list" and exits 1 when nothing matches (EL9: no Puppet)', () => {
    for (const key of ['rhel9', 'el8', 'el10', 'amzn2023']) {
      expect(run('dnf4', CATALOGUES[key]!.catalogue, DNF)).toEqual({ stdout: '', stderr: 'Error: No matching Packages to list\n', exit: 1 });
    }
  });

  it('leaves out what is installed at the same version', () => {
    expect(run('dnf4', { ...two, installed: { puppet: '3.1.1-3.fc19', 'puppet-server': '3.1.1-3.fc19' } }, DNF).exit).toBe(1);
  });
});

describe('dnf 5 (Fedora ≥ 41): dnf -q list --available NAME…', () => {
  const f42 = CATALOGUES.fedora42!.catalogue;

  it('lists under "Available packages" in single-space separated columns', () => {
    expect(run('dnf5', f42, DNF)).toEqual({ stdout: 'Available packages\npuppet.noarch 8.10.0-1.fc42 updates\n', stderr: '', exit: 0 });
    const two: Catalogue = { available: { puppet: '8.10.0-1.fc42', 'puppet-server': '8.10.0-1.fc42' }, origin: { puppet: 'fedora' } };
    expect(run('dnf5', two, DNF).stdout).toBe('Available packages\npuppet.noarch        8.10.0-1.fc42 fedora\npuppet-server.noarch 8.10.0-1.fc42 updates\n');
  });

  it('still lists a package installed at the available version', () => {
    const state = join(dir, 'state');
    spawnSync('mkdir', [state]);
    run('dnf5', f42, ['install', '-y', 'puppet'], state);
    expect(run('dnf5', f42, DNF, state)).toEqual({ stdout: 'Available packages\npuppet.noarch 8.10.0-1.fc42 updates\n', stderr: '', exit: 0 });
  });

  it('says "No matching packages to list" (no "Error:") and exits 1 when nothing matches', () => {
    expect(run('dnf5', f42, ['-q', 'list', '--available', 'puppetserver'])).toEqual({ stdout: '', stderr: 'No matching packages to list\n', exit: 1 });
  });
});

describe('apt: apt-cache policy NAME…, apt-get -q update', () => {
  const deb12 = CATALOGUES.debian12!.catalogue;

  it('prints exactly what apt 2.6.1 printed on Debian 12 (puppet-agent and puppetserver installed)', () => {
    const state = join(dir, 'state');
    spawnSync('mkdir', [state]);
    run('apt', deb12, ['-y', 'install', 'puppet-agent', 'puppetserver'], state);
    // Recorded: apt-cache policy puppet-agent puppet puppetserver puppetmaster >out 2>err; echo $?  → 0, err empty.
    const recorded = [
      'puppet-agent:',
      '  Installed: 7.23.0-1+deb12u1',
      '  Candidate: 7.23.0-1+deb12u1',
      '  Version table:',
      ' *** 7.23.0-1+deb12u1 500',
      '        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages',
      '        100 /var/lib/dpkg/status',
      '     7.23.0-1 500',
      '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
      'puppet:',
      '  Installed: (none)',
      '  Candidate: 7.23.0-1+deb12u1',
      '  Version table:',
      '     7.23.0-1+deb12u1 500',
      '        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages',
      '     7.23.0-1 500',
      '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
      'puppetserver:',
      '  Installed: 7.9.5-2+deb12u1',
      '  Candidate: 7.9.5-2+deb12u1',
      '  Version table:',
      ' *** 7.9.5-2+deb12u1 500',
      '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
      '        100 /var/lib/dpkg/status',
      '',
    ].join('\n');
    expect(run('apt', deb12, APT, state)).toEqual({ stdout: recorded, stderr: '', exit: 0 });
  });

  it('prints nothing at all, and exits 0, for names it does not know', () => {
    expect(run('apt', deb12, ['policy', 'no-such-pkg'])).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(run('apt', CATALOGUES.debian13!.catalogue, ['policy', 'puppetmaster', 'puppet-master'])).toEqual({ stdout: '', stderr: '', exit: 0 });
  });

  it('shows a version installed from nowhere, and an older installed one below the candidate', () => {
    const cat: Catalogue = { available: { puppetserver: '8.7.0-5' }, installed: { puppetserver: '8.4.0-3', puppetmaster: '5.5.22-2' }, defaultOrigin: 'IDX' };
    expect(run('apt', cat, ['policy', 'puppetmaster', 'puppetserver']).stdout).toBe(
      [
        'puppetmaster:',
        '  Installed: 5.5.22-2',
        '  Candidate: 5.5.22-2',
        '  Version table:',
        ' *** 5.5.22-2 100',
        '        100 /var/lib/dpkg/status',
        'puppetserver:',
        '  Installed: 8.4.0-3',
        '  Candidate: 8.7.0-5',
        '  Version table:',
        '     8.7.0-5 500',
        '        500 IDX',
        ' *** 8.4.0-3 100',
        '        100 /var/lib/dpkg/status',
        '',
      ].join('\n'),
    );
  });

  it('apt-get -q update and anything else: silent success', () => {
    expect(run('apt', deb12, ['-q', 'update'])).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(run('apt', deb12, ['show', 'puppet'])).toEqual({ stdout: '', stderr: '', exit: 0 });
  });
});

describe('version order', () => {
  it('rpm', () => {
    expect(rpmCompare('3.1.1-3.fc19', '3.1.1-3.fc19')).toBe(0);
    expect(rpmCompare('3.1.1-10.fc19', '3.1.1-3.fc19')).toBe(1);
    expect(rpmCompare('1:1.0-1', '2.0-1')).toBe(1);
    expect(rpmCompare('9.0.0~beta1-1', '9.0.0-1')).toBe(-1);
  });
  it('dpkg', () => {
    expect(debCompare('7.23.0-1+deb12u1', '7.23.0-1')).toBe(1);
    expect(debCompare('8.10.0-5', '8.7.0-5')).toBe(1);
    expect(debCompare('1.0~rc1-1', '1.0-1')).toBe(-1);
    expect(debCompare('1:0.1-1', '9.9-1')).toBe(1);
  });
});
