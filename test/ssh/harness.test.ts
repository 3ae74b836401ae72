// The test sshd itself, since every remote test trusts it: stand-ins record exact bytes,
// behave as configured, sudo's modes, the per-test distribution files, and that none of
// it leaks onto the machine running the tests.
import { readFileSync, existsSync } from 'node:fs';
import { hostname as localHostname } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SshPool } from '../../src/ssh/pool.js';
import { cmd, sh } from '../../src/ssh/quote.js';
import type { RemoteHost } from '../../src/ssh/types.js';
import { captureLog, DISTRIBUTIONS, startSshd, type Sshd } from '../support/sshd.js';

let sshd: Sshd;
let pool: SshPool;
let host: RemoteHost;

beforeAll(async () => {
  sshd = await startSshd({ standIns: ['mytool'] });
  pool = new SshPool(sshd.settings(sshd.clientHome()));
  host = await pool.host('testhost', captureLog().log);
});
afterAll(async () => {
  await pool.close();
  await sshd.stop();
});
beforeEach(() => sshd.resetStandIns());
afterEach(() => sshd.resetStandIns());

describe('sessions', () => {
  test('run as the unprivileged login user in the instance home, stand-ins first on PATH', async () => {
    const r = await host.run(sh`id -un; pwd; echo "$HOME"; command -v dnf`);
    expect(r.stdout).toEqual([sshd.user, sshd.remoteHome, sshd.remoteHome, `${sshd.dir}/bin/dnf`]);
    if (process.getuid?.() === 0) expect(sshd.user).toBe('origintest');
  });
});

describe('stand-ins', () => {
  test('record name and arguments, one line each, escaping \\ TAB CR LF so the bytes come back exactly', async () => {
    const args = ['plain', 'a\tb', 'line1\nline2', 'back\\slash', 'cr\r', '', 'ünï ✓', '--flag=x'];
    await host.run(cmd('mytool', ...args));
    await host.run(cmd('rpm', '-q'));
    expect(sshd.readCallLog()).toBe('mytool\tplain\ta\\tb\tline1\\nline2\tback\\\\slash\tcr\\r\t\tünï ✓\t--flag=x\nrpm\t-q\n');
    expect(sshd.calls()).toEqual([
      { name: 'mytool', args },
      { name: 'rpm', args: ['-q'] },
    ]);
  });

  test('print what the test configured and exit with its code', async () => {
    sshd.standIn('rpm', { stdout: 'puppet-3.1.1-1.fc19.noarch\n', stderr: 'warning: x\n', exit: 3 });
    const r = await host.run(sh`rpm -q puppet`, { allowExit: [3] });
    expect(r).toMatchObject({ code: 3, stdout: ['puppet-3.1.1-1.fc19.noarch'], stderr: ['warning: x'] });
  });

  test('a script gets the arguments and decides', async () => {
    sshd.standIn('systemctl', { script: 'case "$1" in is-active) echo active;; *) exit 5;; esac' });
    expect((await host.run(sh`systemctl is-active sshd`)).stdout).toEqual(['active']);
    expect((await host.run(sh`systemctl start sshd`, { allowExit: 'any' })).code).toBe(5);
    expect(sshd.calls().map((c) => c.args[0])).toEqual(['is-active', 'start']);
  });

  test('stdin is kept when asked for (augtool and patch by default)', async () => {
    sshd.standIn('mytool', { captureStdin: true });
    await host.run(sh`mytool one`, { stdin: 'first\n' });
    await host.run(sh`augtool -s`, { stdin: 'set /a b\nsave\n' });
    await host.run(sh`mytool two`, { stdin: 'no newline' });
    expect(sshd.calls()).toEqual([
      { name: 'mytool', args: ['one'], stdin: 'first\n' },
      { name: 'augtool', args: ['-s'], stdin: 'set /a b\nsave\n' },
      { name: 'mytool', args: ['two'], stdin: 'no newline' },
    ]);
  });

  test('install works without root: owner options dropped, the file really installed', async () => {
    await host.run(sh`printf data > src && install -m 0600 -o root -g root src dest`);
    expect(readFileSync(`${sshd.remoteHome}/dest`, 'utf8')).toBe('data');
    expect(sshd.calls()).toEqual([{ name: 'install', args: ['-m', '0600', '-o', 'root', '-g', 'root', 'src', 'dest'] }]);
  });

  test('reboot, shutdown and hostname NAME only record', async () => {
    await host.run(sh`reboot; shutdown -r now; hostname evil.example`);
    expect(sshd.calls().map((c) => c.name)).toEqual(['reboot', 'shutdown', 'hostname']);
    expect(localHostname()).not.toBe('evil.example');
  });
});

describe('sudo stand-in', () => {
  test('records, then runs the rest as the same user', async () => {
    const r = await host.run(sh`sudo -n -u root sh -c 'id -un; echo "$SUDO_USER"'`);
    expect(r.stdout).toEqual([sshd.user, sshd.user]);
    expect(sshd.calls()[0]).toEqual({ name: 'sudo', args: ['-n', '-u', 'root', 'sh', '-c', 'id -un; echo "$SUDO_USER"'] });
  });

  test('password mode: refuses as sudo -n does', async () => {
    sshd.sudoMode('password');
    const r = await host.run(sh`sudo -n true`, { allowExit: 'any' });
    expect(r).toMatchObject({ code: 1, stderr: ['sudo: a password is required'] });
  });

  test('requiretty mode: refuses without a terminal', async () => {
    sshd.sudoMode('requiretty');
    const r = await host.run(sh`sudo -n true`, { allowExit: 'any' });
    expect(r).toMatchObject({ code: 1, stderr: ['sudo: sorry, you must have a tty to run sudo'] });
  });
});

describe.runIf(process.getuid?.() === 0)('distribution files', () => {
  const read = async () => (await host.run(sh`cat /etc/os-release 2>&1; echo ---; cat /etc/redhat-release 2>&1`, { allowExit: 'any' })).stdout;

  test('withDistribution changes what /etc/os-release and /etc/redhat-release hold, for the next command', async () => {
    expect(sshd.canFakeRelease).toBe(true);
    sshd.withDistribution('fedora19');
    expect((await read()).join('\n')).toBe(`${DISTRIBUTIONS.fedora19!.osRelease!.trimEnd()}\n---\nFedora release 19 (Schrödinger’s Cat)`);
    sshd.withDistribution('rhel64');
    expect(await read()).toEqual(['cat: /etc/os-release: No such file or directory', '---', 'Red Hat Enterprise Linux Server release 6.4 (Santiago)']);
    sshd.withOsRelease('ID=custom\nVERSION_ID=1\n');
    expect(await read()).toEqual(['ID=custom', 'VERSION_ID=1', '---', 'cat: /etc/redhat-release: No such file or directory']);
  });

  test('the rest of /etc is the real one, and the real files are untouched', async () => {
    sshd.withDistribution('ubuntu2204');
    expect((await host.run(sh`grep -c . /etc/passwd`)).stdout[0]).toBe(
      String(
        readFileSync('/etc/passwd', 'utf8')
          .split('\n')
          .filter((l) => l !== '').length,
      ),
    );
    expect(readFileSync('/etc/os-release', 'utf8')).not.toContain('Ubuntu 22.04');
    expect(existsSync('/etc/redhat-release') && readFileSync('/etc/redhat-release', 'utf8').includes('Santiago')).toBe(false);
  });
});

describe('lifecycle', () => {
  test('stop refuses connections, start brings the same port and host key back', async () => {
    const port = sshd.port;
    const key = sshd.hostPublicKey;
    await sshd.stop();
    await expect(host.run(sh`true`)).rejects.toMatchObject({ kind: 'refused' });
    await sshd.start();
    expect(sshd.port).toBe(port);
    expect(sshd.hostPublicKey).toBe(key);
    expect((await host.run(sh`echo back`)).stdout).toEqual(['back']);
  });
});
