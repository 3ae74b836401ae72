// --enrol against a real puppetserver (test/support/puppet-hosts.ts). EC2 is mocked in
// process; its RunInstances "boots" the instance by running the user data it was given,
// as root, on a real agent host, the way cloud-init would (only the package manager and
// the services other than Puppet's are stand-ins). The tool sets up the master's policy
// autosigning and reads its challenge over SSH; the boot script installs, configures and
// starts the real agent; the real CA signs it by policy, and the tool sees it signed.
// A host whose request carries a wrong challenge stays unsigned. One JVM for the file.
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCertList } from '../../src/puppet/certs.js';
import { chooseAgentPlan, renderEnrolScript } from '../../src/puppet/enrol.js';
import { flavorFromProbe } from '../../src/puppet/generation.js';
import { runCli, testEnv, writeAwsCred, type CliResult } from '../support/cli.js';
import { CATALOGUES, packageQueryScript } from '../support/package-stand-ins.js';
import { machineSnapshot, REAL_PUPPET, startPuppetHosts, type PuppetHost, type PuppetHosts } from '../support/puppet-hosts.js';
import { packageOwnerStandIns } from '../support/puppet-stand-in.js';

const MASTER = 'puppet.example.test';
const AGENT1 = 'agent1.example.test';
const AGENT2 = 'agent2.example.test';
const GHOST = 'ghost.example.test';
const AMI = 'ami-0d12d12d12d12d12d';
const ID = 'i-0e0e0e0e0e0e0e0e1';

if (!REAL_PUPPET.available) console.warn(`test/puppet-real/enrol skipped: ${REAL_PUPPET.why}`);

const ec2 = mockClient(EC2Client);

/**
 * Runs a user-data script on a host as cloud-init does (root, once), in a mount namespace
 * of its own where /usr/sbin is an overlay: the script's policy-rc.d lands there, never in
 * the machine's own /usr/sbin. PATH starts with the host's stand-ins (apt-get, systemctl).
 */
async function boot(h: PuppetHost, script: string): Promise<{ code: number; log: string }> {
  const file = join(h.dir, 'user-data.sh');
  writeFileSync(file, script, { mode: 0o700 });
  const r = await h.exec(
    `mkdir -p ${h.dir}/sbin-upper ${h.dir}/sbin-work && unshare -m --propagation private sh -c 'mount -t overlay overlay -o lowerdir=/usr/sbin,upperdir=${h.dir}/sbin-upper,workdir=${h.dir}/sbin-work /usr/sbin && PATH=${h.dir}/bin:$PATH exec sh ${file}' > ${h.dir}/boot.log 2>&1`,
    { timeoutMs: 180_000 },
  );
  return { code: r.code, log: readFileSync(join(h.dir, 'boot.log'), 'utf8') };
}

/** The account as the mocks see it: one instance at most, booted on `bootOn` when launched. */
class Cloud {
  instance?: Instance & { InstanceId: string };
  userData?: string;
  bootOn?: PuppetHost;
  booted?: Promise<{ code: number; log: string }>;
  terminated: string[] = [];
  publicName = AGENT1;
}
let cloud = new Cloud();

function script(): void {
  ec2.reset();
  ec2.on(DescribeImagesCommand).resolves({
    Images: [
      { ImageId: AMI, Name: 'debian-12-amd64-20240717-1811', Description: 'Debian 12 (20240717-1811)', RootDeviceName: '/dev/xvda', RootDeviceType: 'ebs' },
    ],
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[]; Filters?: { Name: string; Values: string[] }[] }) => {
    const i = cloud.instance;
    const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
    const hit = i && (input.InstanceIds ? input.InstanceIds.includes(i.InstanceId) : !states || states.includes(i.State!.Name!));
    return { Reservations: hit ? [{ Instances: [i] }] : [] };
  });
  ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
    cloud.userData = input.UserData ? Buffer.from(input.UserData, 'base64').toString() : undefined;
    if (input.DryRun) throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), { name: 'DryRunOperation' });
    const name = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'Name')?.Value;
    cloud.instance = {
      InstanceId: ID,
      State: { Name: 'running', Code: 16 },
      Tags: [{ Key: 'Name', Value: name }],
      LaunchTime: new Date(),
      PublicDnsName: cloud.publicName,
      PrivateDnsName: 'ip-10-0-0-5.ec2.internal',
    };
    // cloud-init runs the user data once the instance is up; the launch does not wait for it.
    if (cloud.bootOn && cloud.userData) cloud.booted = boot(cloud.bootOn, cloud.userData);
    return { Instances: [{ ...cloud.instance, State: { Name: 'pending', Code: 0 } }] };
  });
  ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    cloud.terminated.push(...input.InstanceIds);
    if (cloud.instance) cloud.instance.State = { Name: 'shutting-down', Code: 32 };
    return { TerminatingInstances: input.InstanceIds.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down', Code: 32 } })) };
  });
}

describe.skipIf(!REAL_PUPPET.available)('--enrol on real Puppet hosts', () => {
  let set: PuppetHosts;
  let master: PuppetHost;
  let agent1: PuppetHost;
  let agent2: PuppetHost;
  let env: NodeJS.ProcessEnv;
  let before: string;

  const cli = async (argv: string[]): Promise<CliResult> => {
    const t0 = Date.now();
    const r = await runCli(argv, env);
    console.info(`${argv.slice(0, 2).join(' ')}: exit ${r.code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };
  const caList = async () => {
    const r = await master.exec('puppetserver ca list --all', { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return r.stdout;
  };
  const stateOf = (list: string, name: string) => parseCertList(list.split('\n')).find((c) => c.name === name)?.state;

  beforeAll(async () => {
    before = machineSnapshot();
    set = await startPuppetHosts([MASTER, AGENT1, AGENT2]);
    [master, agent1, agent2] = [set.host(MASTER), set.host(AGENT1), set.host(AGENT2)];
    const apt = packageQueryScript('apt', CATALOGUES.debian12!.catalogue);
    for (const h of set.hosts) {
      // Whether the agent's services could start while apt-get installs (policy-rc.d's answer).
      const policy = `case " $* " in *" install "*) if [ -x /usr/sbin/policy-rc.d ]; then /usr/sbin/policy-rc.d puppet start; echo "policy-rc.d answers $?" >> ${h.dir}/policy.log; else echo "no policy-rc.d" >> ${h.dir}/policy.log; fi ;; esac\n`;
      h.standIn('apt-get', { script: policy + apt });
      for (const n of ['apt', 'apt-cache']) h.standIn(n, { script: apt });
      h.standIn('dpkg', packageOwnerStandIns({ manager: 'deb', owner: 'puppet-agent' }).dpkg);
    }
    // A master as origin:puppetmaster leaves it, but without autosigning and not running:
    // --enrol must set up the policy and (re)start the server itself.
    expect((await master.exec(`puppet config set server ${MASTER} --section main`)).code).toBe(0);
    env = set.env(testEnv({ ORIGIN_SETUP_TIME_SCALE: '0.2' }));
    writeAwsCred(env, 'AWSKeyPairName=test-key\n');
  }, 120_000);

  afterAll(async () => {
    for (const h of set?.hosts ?? []) {
      const log = h.agentLog();
      if (log) console.info(`--- ${h.name} agent log ---\n${log.slice(-3000)}`);
    }
    await set?.stop();
    ec2.restore();
  }, 60_000);

  test('--dry-run says what it would do on the master and reads no challenge', async () => {
    cloud = new Cloud();
    script();
    const r = await cli(['ec2:instance:create', '--name', 'web1', '--image', AMI, '--enrol', MASTER, '--enrol-certname', AGENT1, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${MASTER} signs no requests by policy yet (autosign = /etc/puppet/autosign.conf): setting it up`);
    expect(r.stderr).toMatch(/would run on puppet\.example\.test: .*config set .*autosign \/etc\/puppet\/autosign-policy\.sh/);
    expect(r.stderr).toContain(`would read the autosign challenge from /etc/puppet/autosign-secret on ${MASTER} (not under --dry-run)`);
    expect(r.stderr).toContain(`at first boot: debian 12's Puppet 7 (puppet-agent) on debian 12, server ${MASTER}, certname ${AGENT1}`);
    // EC2's own DryRun got a script without any challenge in it.
    expect(cloud.userData).toContain("1.2.840.113549.1.9.7: 'not-read-under-dry-run'");
    expect((await master.exec('puppet config print autosign --section server')).stdout.trim()).toBe('/etc/puppet/autosign.conf');
    expect(master.puppetserverPid()).toBeUndefined();
  }, 120_000);

  test('origin:baseinstance --enrol --enrol-wait: the master gets policy autosigning, the booted agent signs itself in', async () => {
    cloud = new Cloud();
    cloud.bootOn = agent1;
    script();
    const r = await cli([
      'origin:baseinstance',
      'web1',
      '--image',
      AMI,
      '--hostname',
      AGENT1,
      '--enrol',
      MASTER,
      '--enrol-wait',
      '--timeout',
      '1500',
      '--verbose',
      '--debug',
    ]);
    const booted = await cloud.booted;
    console.info(
      r.stderr
        .split('\n')
        .filter((l) => /^\s*(task: |- )/.test(l))
        .join('\n'),
    );
    expect(r.code, `${r.stderr}\n--- boot ---\n${booted?.log}\n--- agent ---\n${agent1.agentLog()}`).toBe(0);
    expect(r.stdout).toBe(`id=${ID}\ndns=${AGENT1}\nip=\nfqdn=${AGENT1}\ncertname=${AGENT1}\n`);
    expect(booted?.code, booted?.log).toBe(0);

    // The challenge is the master's secret; it went into the user data and nowhere else.
    const secret = (await master.exec('cat /etc/puppet/autosign-secret')).stdout.trim();
    expect(secret.length).toBeGreaterThanOrEqual(12);
    expect(cloud.userData).toContain(`  1.2.840.113549.1.9.7: '${secret}'\n`);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(booted!.log).not.toContain(secret);
    expect(r.stderr).toContain(`task: puppet:master:autosign ${MASTER}`);
    expect(r.stderr).toContain(`task: remote:service:restart ${MASTER} puppetserver`);

    // The real CA signed it, by policy: the tool only listed (--verbose shows every remote command).
    expect(stateOf(await caList(), AGENT1)).toBe('signed');
    expect(r.stderr).toMatch(/puppetserver ca list --all'? +\(exit 0/);
    expect(r.stderr).not.toMatch(/ca sign/);

    // What the script left on the agent, as its own Puppet reports it.
    const print = async (s: string) => (await agent1.exec(`puppet config print ${s} --section agent`)).stdout.trim();
    expect(await print('server')).toBe(MASTER);
    expect(await print('certname')).toBe(AGENT1);
    expect(await print('ca_server')).toBe(MASTER);
    expect((await agent1.exec("stat -c '%a %U' /etc/puppet/csr_attributes.yaml")).stdout.trim()).toBe('600 root');
    // apt-get installed while policy-rc.d forbade every start, and the agent started once, after its settings.
    expect(readFileSync(join(agent1.dir, 'policy.log'), 'utf8')).toBe('policy-rc.d answers 101\n');
    const calls = agent1.calls().map((c) => [c.name, ...c.args].join(' '));
    expect(calls.filter((c) => /^(apt-get|systemctl)/.test(c))).toEqual([
      'apt-get -q update',
      'apt-get -y install puppet-agent',
      'systemctl enable puppet',
      'systemctl restart puppet',
    ]);
    expect(agent1.agentLog().match(/systemctl start puppet/g)).toHaveLength(1);
    expect(agent1.agentPid()).toBeGreaterThan(0);
    // The policy-rc.d the script wrote is gone again (the overlay's upper layer is empty).
    expect(existsSync(join(agent1.dir, 'sbin-upper', 'policy-rc.d'))).toBe(false);
    expect(existsSync('/usr/sbin/policy-rc.d')).toBe(false);
    expect(cloud.terminated).toEqual([]);
  }, 300_000);

  test('a request with a wrong challenge stays unsigned, and its name is refused before a launch', async () => {
    // The same boot script, as the tool renders it, with a challenge that is not the master's.
    const flavor = flavorFromProbe({ puppet: '/usr/bin/puppet', version: '7.23.0', owner: 'puppet-agent', settings: { confdir: '/etc/puppet' } });
    const debian12 = { id: 'debian', version: '12', like: [], major: 12 };
    const wrong = renderEnrolScript({
      plan: chooseAgentPlan(debian12, { name: MASTER, flavor, distro: debian12 }),
      distro: debian12,
      server: MASTER,
      certname: AGENT2,
      challenge: 'not-the-masters-challenge-0123456789',
    });
    const booted = await boot(agent2, wrong);
    expect(booted.code, booted.log).toBe(0);
    // The agent's request reaches the CA; the policy said no, so it waits there unsigned.
    let list = '';
    for (let i = 0; i < 60 && !stateOf(list, AGENT2); i++) {
      list = await caList();
      if (!stateOf(list, AGENT2)) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(stateOf(list, AGENT2), `${list}\n${agent2.agentLog()}`).toBe('pending');

    cloud = new Cloud();
    script();
    const r = await cli(['origin:baseinstance', 'web2', '--image', AMI, '--hostname', AGENT2, '--enrol', MASTER]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`error: ${MASTER} already has a request for ${AGENT2}: the new instance could not enrol under that name`);
    expect(ec2.commandCalls(RunInstancesCommand)).toEqual([]);
  }, 240_000);

  test('an --enrol-wait that runs out fails the run, and the launched instance is terminated', async () => {
    cloud = new Cloud();
    cloud.publicName = AGENT2;
    script();
    // Nothing boots: no request for ghost ever arrives. 60 s at this time scale is 12 s.
    const r = await cli(['origin:baseinstance', 'ghost', '--image', AMI, '--hostname', GHOST, '--enrol', MASTER, '--enrol-wait', '--timeout', '60']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: timed out after \\d+s waiting for ${MASTER} to sign ${GHOST}: no request from it arrived`));
    expect(r.stderr).toContain(`- rolling back what this run created: instance ${ID} (ghost)`);
    expect(cloud.terminated).toEqual([ID]);
  }, 120_000);

  test('the machine itself is untouched', async () => {
    await set.stop();
    expect(existsSync('/usr/sbin/policy-rc.d')).toBe(false);
    expect(machineSnapshot()).toBe(before);
  }, 60_000);
});
