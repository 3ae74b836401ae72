// The built binary, as a user or a script runs it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { testEnv } from '../support/cli.js';
import { startFakeEc2, type FakeEc2 } from '../support/fake-ec2.js';
import { freePort, silentServer } from '../support/sshd.js';

/** A fresh HOME with a key of its own and ssh_config sending `host` to 127.0.0.1:port. */
function homeReaching(host: string, port: number): string {
  const home = testEnv().HOME!;
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config'), `Host ${host}\n  HostName 127.0.0.1\n  Port ${port}\n`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, '.ssh', 'id_ed25519')]);
  return home;
}

const env = testEnv();

describe('discovery', () => {
  it('lists namespaces, one namespace, and everything', async () => {
    const top = await runBin(['list'], env);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^ec2:ip\s+\d+ tasks?$/m);
    expect(top.stderr).toBe('');
    const ec2 = await runBin(['list', 'ec2'], env);
    expect(ec2.stdout).toMatch(/^origin-setup ec2:ip:create\s+# allocate a new elastic IP address and print it$/m);
    expect(
      ec2.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('origin-setup ec2:')),
    ).toBe(true);
    const all = await runBin(['list', '--all'], env);
    expect(all.stdout.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(ec2.stdout.split('\n').filter(Boolean).length);
    const none = await runBin(['list', 'nosuch'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no namespace nosuch/m);
  });

  it('shows a task help through `help TASK`, `TASK --help` and the Thor spelling', async () => {
    const a = await runBin(['help', 'ec2:ip:create'], env);
    const b = await runBin(['ec2:ip:create', '--help'], env);
    const c = await runBin(['ec2:ip', 'create', '--help'], env);
    const d = await runBin(['help', 'ec2:ip', 'create'], env);
    for (const r of [a, b, c, d]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: origin-setup ec2:ip:create');
      expect(r.stdout).toContain('Example:\n  ADDR=$(origin-setup ec2:ip:create)');
      expect(r.stdout).toContain('--dry-run');
    }
  });

  it('prints the version with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runBin([flag], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('never loads the AWS SDK or ssh2 for --help, list or help; list and completion load no task code at all', async () => {
    const cases: [string[], string][] = [
      [['--help'], '/dist/cli.js'],
      [['--version'], '/dist/cli.js'],
      [['help', 'ec2:ip:create'], '/dist/cli.js'],
      [['ec2:ip:create', '--help'], '/dist/cli.js'],
      [['list', '--all'], '/dist/quick.js'],
      [['completion', 'bash'], '/dist/quick.js'],
      [['__complete', '--', 'ec2:'], '/dist/quick.js'],
    ];
    for (const [argv, entry] of cases) {
      const log = join(env.HOME!, `imports-${argv.join('_').replace(/[^a-z_]/gi, '')}.log`);
      const r = await runBin(argv, { ...env, IMPORT_LOG: log }, { nodeArgs: ['--import', new URL('../support/record-imports.mjs', import.meta.url).pathname] });
      expect(r.code).toBe(0);
      const loaded = readFileSync(log, 'utf8');
      expect(loaded).toContain(entry);
      expect(loaded).not.toMatch(/@aws-sdk|\/ssh2\/|ssh2-sftp-client/);
      if (entry === '/dist/quick.js') expect(loaded).not.toMatch(/dist\/cli\.js|chunks|commander/);
    }
  });
});

describe('usage errors exit 2 with a one-line error and the usage line', () => {
  it('unknown task, with a suggestion', async () => {
    const r = await runBin(['ec2:ip:craete'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown task 'ec2:ip:craete' \(did you mean ec2:ip:create[,?]/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('unknown option and extra argument', async () => {
    const opt = await runBin(['ec2:ip:create', '--bogus'], env);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toBe("error: unknown option '--bogus'\nusage: origin-setup ec2:ip:create\n");
    const extra = await runBin(['ec2:ip:create', 'surplus'], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/^error: too many arguments/m);
  });

  it('no task at all prints the help on stderr', async () => {
    const r = await runBin([], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: origin-setup');
  });
});

describe('a real request through --endpoint-url', () => {
  let fake: FakeEc2;
  beforeAll(async () => {
    fake = await startFakeEc2({
      AllocateAddress: () => ({
        body: '<AllocateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><publicIp>198.51.100.4</publicIp><domain>vpc</domain><allocationId>eipalloc-42</allocationId></AllocateAddressResponse>',
      }),
    });
  });
  afterAll(() => fake.close());

  it('puts only the result on stdout and the echo on stderr, exit 0', async () => {
    const r = await runBin(['ec2:ip', 'create', '--endpoint-url', fake.url], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('198.51.100.4\n');
    expect(r.stderr).toBe('task: ec2:ip:create\n');
    expect(fake.requests.at(-1)).toMatchObject({ Action: 'AllocateAddress', Domain: 'vpc' });
  });

  it('honours the SDK endpoint variables AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL', async () => {
    const before = fake.requests.length;
    for (const name of ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL']) {
      const r = await runBin(['ec2:ip:create'], { ...env, [name]: fake.url });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('198.51.100.4\n');
    }
    expect(fake.requests.length).toBe(before + 2);
  });

  it('--json and --quiet', async () => {
    const r = await runBin(['--quiet', 'ec2:ip:create', '--json', '--endpoint-url', fake.url], env);
    expect(JSON.parse(r.stdout)).toEqual({ address: '198.51.100.4', allocationId: 'eipalloc-42' });
    expect(r.stderr).toBe('');
  });

  it('an AWS error is one line, exit 1; the stack and request id only with --debug; never the secret', async () => {
    const denied = await startFakeEc2({
      AllocateAddress: () => ({
        status: 403,
        body: '<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>req-777</RequestID></Response>',
      }),
    });
    try {
      const r = await runBin(['ec2:ip:create', '--endpoint-url', denied.url], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'task: ec2:ip:create\nerror: not permitted: You are not authorized to perform this operation. (ask for the missing IAM permission)\n',
      );
      const debug = await runBin(['ec2:ip:create', '--endpoint-url', denied.url, '--debug'], env);
      expect(debug.code).toBe(1);
      expect(debug.stderr).toContain('debug: AWS request id req-');
      expect(debug.stderr).toMatch(/\n\s+at /);
      expect(debug.stderr + debug.stdout).not.toContain(env.AWS_SECRET_ACCESS_KEY);
    } finally {
      await denied.close();
    }
  });
});

describe('Ctrl-C', () => {
  it('stops a waiting task, says so, and exits 130', async () => {
    // A port that refuses connections: one that was free a moment ago.
    const home = homeReaching('nowhere.test', await freePort());
    const r = await runBin(
      ['remote:available', 'nowhere.test', '--wait', '--timeout', '600'],
      { ...env, HOME: home, ORIGIN_SETUP_TIME_SCALE: '1' },
      {
        onSpawn: (child) => {
          let seen = '';
          child.stderr!.on('data', (d) => {
            seen += d;
            if (seen.includes('task: remote:available')) setTimeout(() => child.kill('SIGINT'), 300);
          });
        },
      },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted');
    expect(r.stdout).toBe('');
  });
});

describe('Ctrl-C during an SDK waiter (ec2:instance:create --wait)', () => {
  const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
  const ID = 'i-0123456789abcdef0';
  const AMI = 'ami-0f19f19f19f19f19f';
  const item = `<item><instanceId>${ID}</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item>`;
  const answers = (terminateDelayMs = 0) => ({
    DescribeImages: () => ({
      body: `<DescribeImagesResponse ${NS}><requestId>r</requestId><imagesSet><item><imageId>${AMI}</imageId><rootDeviceName>/dev/sda1</rootDeviceName><rootDeviceType>ebs</rootDeviceType></item></imagesSet></DescribeImagesResponse>`,
    }),
    // The name check (by filter) finds nothing; the waiter (by id) always sees pending.
    DescribeInstances: (p: Record<string, string>) => ({
      body: `<DescribeInstancesResponse ${NS}><requestId>r</requestId><reservationSet>${
        p['InstanceId.1'] ? `<item><reservationId>r-1</reservationId><instancesSet>${item}</instancesSet></item>` : ''
      }</reservationSet></DescribeInstancesResponse>`,
    }),
    RunInstances: () => ({
      body: `<RunInstancesResponse ${NS}><requestId>r</requestId><reservationId>r-1</reservationId><instancesSet>${item}</instancesSet></RunInstancesResponse>`,
    }),
    TerminateInstances: () => ({
      delayMs: terminateDelayMs,
      body: `<TerminateInstancesResponse ${NS}><requestId>r</requestId><instancesSet><item><instanceId>${ID}</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>0</code><name>pending</name></previousState></item></instancesSet></TerminateInstancesResponse>`,
    }),
  });
  const argv = (url: string) => ['ec2:instance:create', '--name', 'web1', '--image', AMI, '--key', 'k', '--wait', '--endpoint-url', url];
  const announce = ['--import', new URL('../support/announce-waiter-sleep.mjs', import.meta.url).pathname];

  it('rolls back, then exits 130 within 1 s although the waiter was asleep', async () => {
    const fake = await startFakeEc2(answers());
    try {
      let removedAt = 0;
      let closedAt = 0;
      const r = await runBin(
        argv(fake.url),
        { ...env, ORIGIN_SETUP_TIME_SCALE: '1' },
        {
          nodeArgs: announce,
          onSpawn: (child) => {
            let seen = '';
            let sent = false;
            child.stderr!.on('data', (d) => {
              seen += d;
              // The waiter polled once, found the instance pending and sleeps 5-10 s now.
              if (!sent && seen.includes('test: waiter sleeps')) {
                sent = true;
                child.kill('SIGINT');
              }
              if (!removedAt && seen.includes('- removed instance')) removedAt = Date.now();
            });
            child.on('close', () => (closedAt = Date.now()));
          },
        },
      );
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain('interrupted: stopping');
      expect(r.stderr).toContain(`- removed instance ${ID} (web1)`);
      expect(fake.requests.filter((q) => q.Action === 'TerminateInstances')).toHaveLength(1);
      expect(removedAt).toBeGreaterThan(0);
      expect(closedAt - removedAt).toBeLessThan(1000);
    } finally {
      await fake.close();
    }
  });

  it('a second Ctrl-C quits at once and names what it leaves', async () => {
    // The rollback's TerminateInstances takes 5 s to answer; the second Ctrl-C does not wait.
    const fake = await startFakeEc2(answers(5000));
    try {
      let secondAt = 0;
      const r = await runBin(
        argv(fake.url),
        { ...env, ORIGIN_SETUP_TIME_SCALE: '1' },
        {
          nodeArgs: announce,
          onSpawn: (child) => {
            let seen = '';
            let sent = 0;
            child.stderr!.on('data', (d) => {
              seen += d;
              if (sent === 0 && seen.includes('test: waiter sleeps')) {
                sent = 1;
                child.kill('SIGINT');
              }
              if (sent === 1 && seen.includes('- rolling back what this run created')) {
                sent = 2;
                secondAt = Date.now();
                child.kill('SIGINT');
              }
            });
          },
        },
      );
      const quitIn = Date.now() - secondAt;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain(`interrupted again: left in place: instance ${ID} (web1)`);
      expect(r.stderr).not.toContain('- removed instance');
      expect(quitIn).toBeLessThan(1000);
    } finally {
      await fake.close();
    }
  });
});

describe('remote:available --wait --timeout: one deadline for the whole wait', () => {
  it('a server that accepts TCP and never speaks SSH fails within the deadline plus 1 s, saying so', async () => {
    const silent = await silentServer();
    try {
      const home = homeReaching('silent.test', silent.port);
      let echoedAt = 0;
      let closedAt = 0;
      const r = await runBin(
        ['remote:available', 'silent.test', '--wait', '--timeout', '3'],
        { ...env, HOME: home, ORIGIN_SETUP_TIME_SCALE: '1' },
        {
          onSpawn: (child) => {
            let seen = '';
            child.stderr!.on('data', (d) => {
              seen += d;
              if (!echoedAt && seen.includes('task: remote:available')) echoedAt = Date.now();
            });
            child.on('close', () => (closedAt = Date.now()));
          },
        },
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('timed out after 3s waiting for silent.test to take an SSH login');
      expect(r.stderr).toContain(`answered TCP on port ${silent.port} but not SSH`);
      expect(closedAt - echoedAt).toBeGreaterThanOrEqual(2900);
      expect(closedAt - echoedAt).toBeLessThan(4000);
    } finally {
      await silent.close();
    }
  });
});
