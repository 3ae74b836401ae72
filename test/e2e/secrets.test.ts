// The built binary never prints a secret it can know of: the awscred file's, from the very
// first line (the echo), on both streams, with --debug, --verbose and --json, on success,
// on a usage error and on an AWS error; and what the SDK's credential chain resolves
// (here a credential_process) once the SDK hands it back.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { testEnv } from '../support/cli.js';
import { startFakeRoute53, type FakeRoute53 } from '../support/fake-route53.js';

const S = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';

let route53: FakeRoute53;
beforeAll(async () => {
  route53 = await startFakeRoute53();
});
afterAll(() => route53.close());
beforeEach(() => {
  route53.requests.length = 0;
  route53.failChangesWith = undefined;
});

/** The secret only in the file F (not in the environment), as in the reported failure. */
function world(cred: string) {
  // The environment's own pair signs when the file has no AWSAccessKeyId.
  const env = testEnv({ AWS_SECRET_ACCESS_KEY: 'env-secret-that-is-not-S' });
  const file = join(env.HOME!, 'F');
  writeFileSync(file, cred, { mode: 0o600 });
  return { env, file };
}

const create = (file: string, ...more: string[]) => [
  'route53:record:create',
  'infra.example.com',
  'sectxt',
  'TXT',
  S,
  '--awscred',
  file,
  '--endpoint-url',
  route53.url,
  ...more,
];

describe('the awscred secret', () => {
  for (const cred of [`AWSSecretKey=${S}\n`, `AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey=${S}\n`, `AWSAccessKeyId=AKIDFROMFILE\nAWSSecretAccessKey=${S}\n`]) {
    it(`is never printed on success (${cred
      .trim()
      .split('\n')
      .map((l) => l.split('=')[0])
      .join(', ')})`, async () => {
      const { env, file } = world(cred);
      for (const flags of [['--debug'], ['--verbose', '--debug'], ['--json', '--verbose', '--debug']]) {
        const r = await runBin(create(file, ...flags), env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr.split('\n')[0]).toBe('task: route53:record:create infra.example.com sectxt TXT ****');
        expect(r.stdout + r.stderr).not.toContain(S);
      }
      if (cred.includes('AWSAccessKeyId')) expect(route53.requests.at(-1)!.authorization).toContain('Credential=AKIDFROMFILE/');
    });
  }

  it('is never printed on a usage error, before or after the settings are read', async () => {
    const { env, file } = world(`AWSSecretKey=${S}\n`);
    const inTask = await runBin(['route53:record:create', 'infra.example.com', 'sectxt', 'A', S, '--awscred', file, '--debug', '--verbose'], env);
    expect(inTask.code).toBe(2);
    expect(inTask.stderr).toContain("error: VALUE '****' for a A record");
    const commander = await runBin([...create(file, '--debug'), `--${S}`], env);
    expect(commander.code).toBe(2);
    expect(commander.stderr).toContain("error: unknown option '--****'");
    const json = await runBin([...create(file, '--json', '--debug'), '--ttl', S], env);
    expect(json.code).toBe(2);
    for (const r of [inTask, commander, json]) expect(r.stdout + r.stderr).not.toContain(S);
  });

  it('is never printed on an AWS error, with the stack and request id of --debug', async () => {
    const { env, file } = world(`AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey=${S}\n`);
    route53.failChangesWith = `Invalid TXT value ${S}`;
    for (const flags of [
      ['--debug', '--verbose'],
      ['--json', '--debug'],
    ]) {
      const r = await runBin(create(file, ...flags), env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .*Invalid TXT value \*\*\*\*/m);
      expect(r.stdout + r.stderr).not.toContain(S);
    }
  });
});

describe('credentials the SDK resolves', () => {
  it('a credential_process secret is registered as soon as the SDK hands it back', async () => {
    const P = 'procSecretFromCredentialProcess0123456789';
    const T = 'procSessionTokenFromCredentialProcess0123456789';
    const env = testEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const dir = mkdtempSync(join(tmpdir(), 'credproc-'));
    const script = join(dir, 'creds.sh');
    writeFileSync(script, `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"AKIDPROCESS","SecretAccessKey":"${P}","SessionToken":"${T}"}'\n`);
    chmodSync(script, 0o755);
    writeFileSync(join(dir, 'config'), `[default]\ncredential_process = ${script}\n`);
    env.AWS_CONFIG_FILE = join(dir, 'config');
    env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'nonexistent');
    // The echo line comes before any AWS request, so --quiet: what follows the first request is covered.
    const ok = await runBin(
      ['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', `${P} ${T}`, '--quiet', '--json', '--endpoint-url', route53.url],
      env,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(route53.requests.at(-1)!.authorization).toContain('Credential=AKIDPROCESS/');
    expect(ok.stdout).toContain('**** ****');
    route53.failChangesWith = `Invalid TXT value ${P}`;
    const failed = await runBin(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', 'x', '--debug', '--endpoint-url', route53.url], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Invalid TXT value ****');
    for (const r of [ok, failed]) expect(r.stdout + r.stderr).not.toMatch(new RegExp(`${P}|${T}`));
  });
});

describe('an awscred file that cannot be used', () => {
  it('fails the run with exit 2 and one line naming the file and the line', async () => {
    const shapes: [string | Buffer, RegExp][] = [
      [`AWSSecretKey=${S}\n[unterminated\n`, /^error: .*\/F, line 2: a \[section without its closing \]\n$/],
      [Buffer.from([0x41, 0x3d, 0x00, 0xff]), /^error: .*\/F, line 1: a NUL byte; this is not a text file\n$/],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('AWSRegion=x\n', 'utf16le')]), /^error: .*\/F, line 1: UTF-16 text/],
      ['#\n'.repeat(40_000), /^error: .*\/F is 80000 bytes; an awscred file is at most 64 KiB/],
    ];
    for (const [content, expected] of shapes) {
      const { env, file } = world('');
      writeFileSync(file, content);
      const r = await runBin(create(file, '--verbose'), env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toContain(S);
      expect(route53.requests).toHaveLength(0);
    }
  });
});
