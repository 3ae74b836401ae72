// The sandbox through the built binary, as a newcomer and a script would use it: the
// README's tour and the seed post's transcript against the embedded EC2 and Route53, with
// no credentials and no network.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../support/bin.js';

/** A fresh HOME without any AWS credential, and a sandbox of its own; the world moves instantly. */
function sandboxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'origin-sandbox-home-'));
  return { HOME: home, PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1', ORIGIN_SETUP_SANDBOX_SPEED: '0', ...extra };
}

const stateFile = (env: NodeJS.ProcessEnv) => {
  const dir = join(env.HOME!, '.local', 'state', 'origin-setup', 'sandbox');
  const json = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  return join(dir, json);
};

// Each test starts the built binary several times over: a loaded machine makes that slow.
describe('the sandbox', { timeout: 60_000 }, () => {
  it('runs the README tour: a named host with an address and a record, then lists and deletes it', async () => {
    const env = sandboxEnv();
    const made = await runBin(['--sandbox', 'origin:baseinstance', 'demo', '--hostname', 'demo.example.test', '--elasticip'], env);
    expect(made.code, made.stderr).toBe(0);
    const result = Object.fromEntries(
      made.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    expect(result).toMatchObject({ id: expect.stringMatching(/^i-[0-9a-f]{17}$/), fqdn: 'demo.example.test', ip: expect.stringMatching(/^127\./) });
    expect(result.dns).toMatch(/\./);
    // Every echo line says it is the sandbox, and the SSH steps are shown, not run.
    const echoes = made.stderr.split('\n').filter((l) => l.includes('task:'));
    expect(echoes.length).toBeGreaterThan(3);
    expect(echoes.every((l) => l.startsWith('[sandbox] '))).toBe(true);
    expect(made.stderr).toMatch(/task: remote:available \S+ .*\(shown, not run: sandbox\)/);

    const list = await runBin(['--sandbox', 'ec2:instance:list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`${result.id} demo running`);
    const records = await runBin(['--sandbox', 'route53:record:list', 'example.test'], env);
    expect(records.code, records.stderr).toBe(0);
    expect(records.stdout).toMatch(new RegExp(`demo\\.example\\.test\\.? .*A.*${result.ip!.replace(/\./g, '\\.')}`));

    const gone = await runBin(['--sandbox', 'ec2:instance:delete', '--name', 'demo', '--force'], env);
    expect(gone.code, gone.stderr).toBe(0);
    const after = await runBin(['--sandbox', 'ec2:instance:list'], env);
    expect(after.stdout).not.toMatch(/demo running/);
  });

  it("runs the seed post's transcript: find an image, launch, address, name", async () => {
    const env = sandboxEnv({ ORIGIN_SETUP_SANDBOX: '1' });
    const images = await runBin(['ec2:image:list', '--owner', '125523088429', '--name', 'Fedora*', '--arch', 'x86_64'], env);
    expect(images.code, images.stderr).toBe(0);
    expect(images.stdout).toContain('ami-2509664c 125523088429 x86_64 Fedora-x86_64-17-1-sda\n');
    expect(images.stdout).toContain('ami-b71078de 125523088429 x86_64 Fedora-x86_64-18-20130521-sda\n');
    const id = await runBin(
      ['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--type', 't3.micro', '--securitygroup', 'default', '--wait'],
      env,
    );
    expect(id.code, id.stderr).toBe(0);
    const instance = id.stdout.trim();
    expect((await runBin(['ec2:instance:status', '--id', instance], env)).stdout).toBe('running\n');
    const ip = (await runBin(['ec2:ip:create'], env)).stdout.trim();
    expect(ip).toMatch(/^127\./);
    expect((await runBin(['ec2:ip:associate', ip, 'puppet'], env)).code).toBe(0);
    const record = await runBin(['route53:record:create', 'example.test', 'puppet', 'A', ip, '--wait'], env);
    expect(record.code, record.stderr).toBe(0);
    // AWS's own words for a record that exists already.
    const again = await runBin(['route53:record:create', 'example.test', 'puppet', 'A', ip], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    // The sandbox's state, as people and scripts see it.
    const show = await runBin(['sandbox:show'], env);
    expect(show.stdout).toContain(`instance ${instance} puppet running`);
    expect(show.stdout).toContain(`record puppet.example.test. A ${ip}`);
    expect((await runBin(['sandbox:reset'], env)).code).toBe(0);
    expect((await runBin(['ec2:instance:list'], env)).stdout).toBe('');
  });

  it('never runs a credential provider and never leaves loopback', async () => {
    const env = sandboxEnv();
    // Were the SDK's chain to run, this profile's credential_process would leave a marker.
    const marker = join(env.HOME!, 'credential-process-ran');
    mkdirSync(join(env.HOME!, '.aws'), { recursive: true });
    writeFileSync(join(env.HOME!, '.aws', 'config'), `[profile probe]\ncredential_process = sh -c 'touch ${marker}; exit 1'\nregion = eu-west-1\n`);
    const log = join(env.HOME!, 'connects.log');
    const r = await runBin(
      ['--sandbox', 'ec2:instance:create', '--name', 'x', '--image', 'ami-b71078de', '--wait'],
      { ...env, AWS_PROFILE: 'probe', CONNECT_LOG: log },
      {
        nodeArgs: ['--import', new URL('../support/record-connects.mjs', import.meta.url).pathname],
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const hosts = new Set(readFileSync(log, 'utf8').trim().split('\n'));
    expect([...hosts].filter((h) => !['127.0.0.1', 'localhost', '::1', 'unix'].includes(h))).toEqual([]);
    expect(hosts.has('127.0.0.1') || hosts.has('localhost')).toBe(true);
  });

  it('keeps state between processes, and two at once do not corrupt it', async () => {
    const env = sandboxEnv();
    const runs = await Promise.all(['a', 'b', 'c'].map((name) => runBin(['--sandbox', 'ec2:instance:create', '--name', name, '--image', 'ami-b71078de'], env)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const list = await runBin(['--sandbox', 'ec2:instance:list'], env);
    for (const name of ['a', 'b', 'c']) expect(list.stdout).toMatch(new RegExp(` ${name} (pending|running)\\n`));
    expect(() => JSON.parse(readFileSync(stateFile(env), 'utf8'))).not.toThrow();
  });

  it('refuses a corrupt state file, naming it, and leaves it alone', async () => {
    const env = sandboxEnv();
    expect((await runBin(['--sandbox', 'ec2:instance:list'], env)).code).toBe(0);
    const file = stateFile(env);
    writeFileSync(file, '{ not json');
    const r = await runBin(['--sandbox', 'ec2:instance:list'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
    // sandbox:reset is the way out.
    expect((await runBin(['sandbox:reset'], env)).code).toBe(0);
    expect((await runBin(['--sandbox', 'ec2:instance:list'], env)).code).toBe(0);
  });

  it('says how to add a zone when a name has none', async () => {
    const env = sandboxEnv();
    const r = await runBin(['--sandbox', 'route53:zone:contains', 'www.example.org'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('origin-setup --sandbox route53:zone:create example.org');
    const record = await runBin(['--sandbox', 'route53:record:create', 'example.org', 'www', 'A', '127.0.0.9'], env);
    expect(record.code).toBe(1);
    expect(record.stderr).toContain(
      'error: no hosted zone example.org. (zones: example.test.; add it with: origin-setup --sandbox route53:zone:create example.org)',
    );
    expect((await runBin(['--sandbox', 'route53:zone:create', 'example.org'], env)).code).toBe(0);
    expect((await runBin(['--sandbox', 'route53:zone:contains', 'www.example.org'], env)).stdout).toMatch(/ example\.org\.\n$/);
    const outside = await runBin(['route53:zone:create', 'example.org'], {
      ...env,
      AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTEST',
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(20),
      AWS_REGION: 'us-east-1',
    });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('route53:zone:create works in the sandbox only');
  });
});
