// The real-Puppet harness itself: two hosts (a master and an agent), each its own sshd in
// private namespaces with real sudo, real Puppet and a really started puppetserver, and
// nothing of it on the machine running the tests. One JVM start for the whole file.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname as localHostname } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REAL_PUPPET, startPuppetHosts, type ExecResult, type PuppetHost, type PuppetHosts } from '../support/puppet-hosts.js';

const MASTER = 'puppet.example.test';
const AGENT = 'agent1.example.test';

if (!REAL_PUPPET.available) console.warn(`test/puppet-real skipped: ${REAL_PUPPET.why}`);

/** One command over a fresh SSH login, the host key checked against the harness's. */
async function ssh(h: PuppetHost, command: string, timeoutMs = 120_000): Promise<ExecResult> {
  const t0 = Date.now();
  const r = await sshOnce(h, command, timeoutMs);
  const s = (Date.now() - t0) / 1000;
  if (s > 3) console.info(`${h.name}: ${command}: exit ${r.code} after ${s.toFixed(1)} s`);
  return r;
}

function sshOnce(h: PuppetHost, command: string, timeoutMs = 120_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    const timer = setTimeout(() => {
      c.end();
      reject(new Error(`${h.name}: ${command}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      c.end();
      reject(e);
    };
    c.on('error', fail);
    c.on('ready', () => {
      c.exec(command, (err, stream) => {
        if (err) return fail(err);
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => (stdout += d));
        stream.stderr.on('data', (d: Buffer) => (stderr += d));
        stream.on('close', (code: number | null) => {
          clearTimeout(timer);
          c.end();
          resolve({ code: code ?? -1, stdout, stderr });
        });
      });
    });
    c.connect({
      host: '127.0.0.1',
      port: h.port,
      username: h.user,
      privateKey: readFileSync(h.userKeyPath),
      hostVerifier: (key: Buffer) => key.toString('base64') === h.hostPublicKey.split(' ')[1],
      readyTimeout: 20_000,
    });
  });
}

/** What the machine's own Puppet state looks like (must not change). */
function machineSnapshot(): string {
  const list = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .sort()
          .map((f) => {
            const s = statSync(join(dir, f));
            return `${dir}/${f} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.isFile() ? s.size : '-'}`;
          })
      : [`${dir} absent`];
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : `${f} absent`);
  return [
    read('/etc/puppet/puppet.conf'),
    read('/etc/puppet/puppetserver/conf.d/webserver.conf'),
    read('/etc/default/puppetserver'),
    read('/etc/hosts'),
    read('/etc/hostname'),
    ...list('/var/lib/puppet'),
    ...list('/var/lib/puppetserver'),
    ...list('/etc/puppet'),
    ...list('/etc/sudoers.d'),
    ...list('/var/log/puppetserver'),
    localHostname(),
  ].join('\n');
}

describe.skipIf(!REAL_PUPPET.available)('real Puppet hosts', () => {
  let set: PuppetHosts;
  let master: PuppetHost;
  let agent: PuppetHost;
  let before: string;
  let started: ExecResult;
  let startSeconds = 0;

  beforeAll(async () => {
    before = machineSnapshot();
    set = await startPuppetHosts([MASTER, AGENT], { puppetConf: { server: MASTER } });
    master = set.host(MASTER);
    agent = set.host(AGENT);
    const t0 = Date.now();
    started = await ssh(master, 'sudo -n systemctl start puppetserver', 200_000);
    startSeconds = (Date.now() - t0) / 1000;
    console.info(`puppetserver started in ${startSeconds.toFixed(1)} s (exit ${started.code})`);
  }, 240_000);

  afterAll(async () => {
    await set?.stop();
  }, 60_000);

  test('sudo is real: the login is origintest and sudo -n makes it root', async () => {
    for (const h of [master, agent]) {
      const r = await ssh(h, 'id -un; sudo -n id -u; sudo -n sh -c "id -un; command -v systemctl; command -v puppet"');
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n')).toEqual(['origintest', '0', 'root', `${h.dir}/bin/systemctl`, '/usr/bin/puppet', '']);
    }
  });

  test('stand-ins record package managers; dpkg-query, install and chown are real', async () => {
    agent.clearCalls();
    const r = await ssh(
      agent,
      `sudo -n apt-get install -y puppet-agent && dpkg-query -W -f '\${Version}\\n' puppet-agent && sudo -n install -d -o puppet -m 0750 /etc/puppet/harness && stat -c '%U %a' /etc/puppet/harness`,
    );
    expect(r.code).toBe(0);
    const [version, owner] = r.stdout.trim().split('\n');
    expect(version).toMatch(/^7\./);
    expect(owner).toBe('puppet 750');
    expect(agent.calls()).toEqual([{ name: 'apt-get', args: ['install', '-y', 'puppet-agent'] }]);
    expect(existsSync('/etc/puppet/harness')).toBe(false);
  });

  test('each host has its FQDN as hostname and certname; /etc/hosts names every host', async () => {
    for (const h of [master, agent]) {
      const r = await ssh(h, 'hostname; sudo -n puppet config print certname; getent hosts puppet.example.test agent1.example.test');
      const lines = r.stdout.trim().split('\n');
      expect(lines.slice(0, 2)).toEqual([h.name, h.name]);
      expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(['127.0.0.1', '127.0.0.1']);
      const e = await h.exec('puppet config print serverport server');
      expect(e.stdout).toContain(`serverport = ${set.masterPort}`);
      expect(e.stdout).toContain(`server = ${MASTER}`);
    }
    expect(set.masterPort).not.toBe(8140);
  });

  test('systemctl start puppetserver really starts it, on 127.0.0.1:masterPort, as puppet', async () => {
    expect(started.code, started.stderr).toBe(0);
    expect(startSeconds).toBeLessThan(160);
    const pid = master.puppetserverPid();
    expect(pid).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${execFileSync('id', ['-u', 'puppet'], { encoding: 'utf8' }).trim()}\\s`, 'm'));
    const active = await ssh(master, 'systemctl is-active puppetserver');
    expect(active).toMatchObject({ code: 0, stdout: 'active\n' });
    expect((await ssh(agent, 'systemctl is-active puppetserver')).stdout).toBe('inactive\n');
    // The namespaces share the machine's network: the port answers on 127.0.0.1 here too.
    const connected = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port: set.masterPort }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    expect(connected).toBe(true);
    const conf = await master.exec('cat /etc/puppet/puppetserver/conf.d/webserver.conf');
    expect(conf.stdout).toContain(`ssl-port: ${set.masterPort}`);
    expect(master.calls().map((c) => [c.name, ...c.args].join(' '))).toContain('systemctl start puppetserver');
    const ca = await ssh(master, 'sudo -n puppetserver ca list --all');
    expect(ca.code, ca.stderr).toBe(0);
    expect(ca.stdout).toMatch(/Signed Certificates:\s+puppet\.example\.test\s/);
  });

  test('an agent asks for a certificate, the master signs it, the agent gets its catalog', async () => {
    const manifest = await master.exec(
      "mkdir -p /etc/puppet/code/environments/production/manifests && printf \"node default { notify { 'harness-ok': } }\\n\" > /etc/puppet/code/environments/production/manifests/site.pp",
    );
    expect(manifest.code).toBe(0);
    const ask = await ssh(agent, 'sudo -n puppet agent --test --waitforcert 0 2>&1');
    expect(ask.code).toBe(1);
    expect(ask.stdout).toMatch(/Certificate Request fingerprint|Couldn't fetch certificate from CA server/);
    const pending = await ssh(master, 'sudo -n puppetserver ca list');
    expect(pending.stdout).toMatch(/Requested Certificates:\s+agent1\.example\.test\s/);
    const sign = await ssh(master, `sudo -n puppetserver ca sign --certname ${AGENT}`);
    expect(sign.code, sign.stdout + sign.stderr).toBe(0);
    const run = await ssh(agent, 'sudo -n puppet agent --test 2>&1');
    expect([0, 2], run.stdout).toContain(run.code);
    expect(run.stdout).toContain('harness-ok');
    expect(run.stdout).toContain(`Applied catalog`);
    expect((await ssh(master, 'sudo -n puppetserver ca list --all')).stdout).toMatch(/agent1\.example\.test\s+\(SHA256\)/);
  }, 180_000);

  test('env() maps every name to its own sshd for an OpenSSH client', async () => {
    const home = set.clientHome();
    for (const h of [master, agent]) {
      const out = execFileSync(
        'ssh',
        ['-F', join(home, '.ssh/config'), '-o', `UserKnownHostsFile=${join(home, '.ssh/known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', h.name, 'hostname'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(out.trim()).toBe(h.name);
    }
  });

  test('the machine itself is untouched', () => {
    expect(machineSnapshot()).toBe(before);
    expect(existsSync('/run/puppetserver/restart')).toBe(false);
  });

  test('stop() takes the JVM and the sshds down and removes the instance directories', async () => {
    const pid = master.puppetserverPid()!;
    await set.stop();
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
    expect(existsSync(master.dir)).toBe(false);
    expect(existsSync(agent.dir)).toBe(false);
    expect(machineSnapshot()).toBe(before);
  }, 60_000);
});
