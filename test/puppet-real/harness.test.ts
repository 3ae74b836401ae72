// The real-Puppet harness itself: two hosts (a master and an agent), each its own sshd in
// private namespaces with real sudo, real Puppet and a really started agent daemon, and
// nothing of it on the machine running the tests. No JVM here: the one puppetserver start
// of test/puppet-real/flows.test.ts proves the server side (started as puppet on
// masterPort, its CA, signing, a catalog, stop() taking it down), which keeps the suite
// to one JVM start on two cores.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { machineSnapshot, REAL_PUPPET, startPuppetHosts, type ExecResult, type PuppetHost, type PuppetHosts } from '../support/puppet-hosts.js';

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
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
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

describe.skipIf(!REAL_PUPPET.available)('real Puppet hosts', () => {
  let set: PuppetHosts;
  let master: PuppetHost;
  let agent: PuppetHost;
  let before: string;

  beforeAll(async () => {
    before = machineSnapshot();
    set = await startPuppetHosts([MASTER, AGENT], { puppetConf: { server: MASTER } });
    master = set.host(MASTER);
    agent = set.host(AGENT);
  }, 60_000);

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

  test('puppetserver is not running until asked; the master listens on masterPort, never 8140', async () => {
    expect(master.puppetserverPid()).toBeUndefined();
    expect((await ssh(master, 'systemctl is-active puppetserver')).stdout).toBe('inactive\n');
    expect((await master.exec('cat /etc/puppet/puppetserver/conf.d/webserver.conf')).stdout).toContain(`ssl-port: ${set.masterPort}`);
    expect(set.masterPort).not.toBe(8140);
    const denied = await ssh(master, 'systemctl start puppetserver');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Interactive authentication required');
  });

  test('systemctl start puppet really starts the agent daemon as the unit does; stop stops it', async () => {
    const denied = await ssh(agent, 'systemctl start puppet');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Interactive authentication required');
    expect(agent.agentPid()).toBeUndefined();

    // No server answers: the daemon keeps asking for its certificate every 2 s.
    expect((await agent.exec(`printf 'PUPPET_EXTRA_OPTS="--waitforcert 2"\\n' >> /etc/default/puppet`)).code).toBe(0);
    agent.clearCalls();
    const start = await ssh(agent, 'sudo -n systemctl enable --now puppet');
    expect(start.code, start.stderr).toBe(0);
    expect(agent.calls().map((c) => [c.name, ...c.args].join(' '))).toEqual(['systemctl enable --now puppet']);
    const pid = agent.agentPid()!;
    expect(pid).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+0\s/m);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, 3)).toEqual(['/usr/bin/puppet', 'agent']);
    expect(await ssh(agent, 'systemctl is-active puppet; systemctl is-enabled puppet')).toMatchObject({ code: 0, stdout: 'active\nenabled\n' });
    expect((await ssh(master, 'systemctl is-active puppet')).stdout).toBe('inactive\n');
    // The real agent: its private key and CSR, made before it reaches for the CA.
    const deadline = Date.now() + 60_000;
    while (!/Connection refused|Will try again|Couldn't fetch certificate|Failed to open TCP/i.test(agent.agentLog()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(agent.agentLog()).toContain('puppet agent --waitforcert 2 --no-daemonize');
    expect(agent.agentLog()).toMatch(/Connection refused|Will try again|Couldn't fetch certificate|Failed to open TCP/i);
    expect(agent.agentPid()).toBe(pid);

    const stop = await ssh(agent, 'sudo -n systemctl stop puppet');
    expect(stop.code, stop.stderr).toBe(0);
    expect(agent.agentPid()).toBeUndefined();
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
    expect((await ssh(agent, 'systemctl is-active puppet')).stdout).toBe('inactive\n');

    // Running at the end: stop() must take it down.
    expect((await ssh(agent, 'sudo -n systemctl restart puppet')).code).toBe(0);
    expect(agent.agentPid()).toBeGreaterThan(0);
  }, 90_000);

  test('an agent start whose exec chain is slow (a loaded machine) still starts it, and is not called failed', async () => {
    // env sleeps before it execs: until then the launched process is not yet puppet.
    const slow = join(agent.dir, 'slow-exec');
    mkdirSync(slow, { recursive: true });
    writeFileSync(join(slow, 'env'), '#!/bin/sh\nsleep 1\nexec /usr/bin/env "$@"\n', { mode: 0o755 });
    const stop = await agent.exec(`PATH=${agent.dir}/bin:$PATH systemctl stop puppet`);
    expect(stop.code, stop.stderr).toBe(0);
    const start = await agent.exec(`PATH=${slow}:${agent.dir}/bin:$PATH systemctl start puppet`);
    expect(start.code, start.stderr).toBe(0);
    expect(agent.agentPid()).toBeGreaterThan(0);
    expect((await ssh(agent, 'systemctl is-active puppet')).stdout).toBe('active\n');
  }, 60_000);

  test('env() maps every name to its own sshd for an OpenSSH client', async () => {
    const home = set.clientHome();
    for (const h of [master, agent]) {
      const out = execFileSync(
        'ssh',
        [
          '-F',
          join(home, '.ssh/config'),
          '-o',
          `UserKnownHostsFile=${join(home, '.ssh/known_hosts')}`,
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          'BatchMode=yes',
          h.name,
          'hostname',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(out.trim()).toBe(h.name);
    }
  });

  test('the machine itself is untouched', () => {
    expect(machineSnapshot()).toBe(before);
  });

  test('stop() takes the agent daemon and the sshds down and removes the instance directories', async () => {
    const pid = agent.agentPid()!;
    expect(pid).toBeGreaterThan(0);
    await set.stop();
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
    expect(existsSync(master.dir)).toBe(false);
    expect(existsSync(agent.dir)).toBe(false);
    expect(machineSnapshot()).toBe(before);
  }, 60_000);
});
