// Every secret the tool can know of is registered with the redactor before the first line
// is printed: the awscred file's (with or without AWSAccessKeyId), the environment's, and
// a sensitive option's, on stdout and stderr, in JSON too, on success and on every error.
import { ChangeResourceRecordSetsCommand, ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { Settings } from '../../../src/config/settings.js';
import { bind } from '../../../src/engine/bind.js';
import { Output, Redactor } from '../../../src/engine/output.js';
import { defineTask } from '../../../src/engine/task.js';
import { runCli, testEnv } from '../../support/cli.js';
import { plainFlags } from '../../support/flags.js';

const S = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789';
const CORE = 'puppet-core-forge-key-0123456789';

const r53 = mockClient(Route53Client);
beforeEach(() => {
  r53.reset();
  r53.on(ListHostedZonesCommand).resolves({
    HostedZones: [{ Id: '/hostedzone/Z1AAAA', Name: 'infra.example.com.', CallerReference: 'a', ResourceRecordSetCount: 2 }],
    IsTruncated: false,
    MaxItems: 100,
    Marker: '',
  });
  r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 100 });
  r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) } });
});

/** No secret in the environment: the file is the only place the tool learns S from. */
function envWithCred(text: string) {
  const env = testEnv({ AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, PUPPET_CORE_KEY: undefined });
  const path = join(env.HOME!, 'F');
  writeFileSync(path, text, { mode: 0o600 });
  return { env, path };
}

const CRED_SHAPES: Record<string, string> = {
  'AWSSecretKey alone': `AWSSecretKey=${S}\n`,
  'AWSSecretAccessKey alone': `AWSSecretAccessKey = ${S}\n`,
  'with AWSAccessKeyId': `AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey=${S}\n`,
  quoted: `AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey="${S}"\n`,
  'as a session token': `AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey=other-secret-abcdefgh\nAWSSessionToken=${S}\n`,
  'as PuppetCoreKey': `PuppetCoreKey=${S}\n`,
};

describe('the awscred file secret is redacted from the first line on', () => {
  for (const [shape, text] of Object.entries(CRED_SHAPES)) {
    it(`${shape}: success with --debug --verbose, and with --json`, async () => {
      const { env, path } = envWithCred(text);
      for (const flags of [
        ['--debug', '--verbose'],
        ['--json', '--debug', '--verbose'],
      ]) {
        const r = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', S, ...flags, '--awscred', path], env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/^task: route53:record:create infra\.example\.com sectxt TXT \*\*\*\*/m);
        expect(r.stdout + r.stderr).not.toContain(S);
      }
    });
  }

  it('a usage error found by the task, by binding, and by commander', async () => {
    const { env, path } = envWithCred(`AWSSecretKey=${S}\n`);
    const inTask = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'A', S, '--debug', '--awscred', path], env);
    expect(inTask.code).toBe(2);
    expect(inTask.stderr).toMatch(/^error: VALUE '\*\*\*\*' for a A record/m);
    const bound = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', 'x', '--ttl', S, '--debug', '--awscred', path], env);
    expect(bound.code).toBe(2);
    expect(bound.stderr).toMatch(/--ttl wants a number, not '\*\*\*\*'/);
    const commander = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', 'x', `--${S}`, '--debug', '--awscred', path], env);
    expect(commander.code).toBe(2);
    expect(commander.stderr).toContain("unknown option '--****'");
    // The default file (~/.awscred) is read the same way.
    writeFileSync(join(env.HOME!, '.awscred'), `AWSSecretKey=${S}\n`, { mode: 0o600 });
    const dflt = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', 'x', `--${S}`], env);
    expect(dflt.code).toBe(2);
    for (const r of [inTask, bound, commander, dflt]) expect(r.stdout + r.stderr).not.toContain(S);
  });

  it('an AWS error that quotes the value', async () => {
    const { env, path } = envWithCred(`AWSAccessKeyId=AKIDFROMFILE\nAWSSecretKey=${S}\n`);
    r53.on(ChangeResourceRecordSetsCommand).rejects(
      Object.assign(new Error(`Invalid Resource Record: FATAL problem: ${S} is not allowed`), {
        name: 'InvalidChangeBatch',
        $metadata: { httpStatusCode: 400, requestId: `req-${S}` },
        $fault: 'client',
      }),
    );
    for (const extra of [[], ['--json']]) {
      const r = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', S, '--debug', '--verbose', ...extra, '--awscred', path], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('****');
      expect(r.stdout + r.stderr).not.toContain(S);
    }
  });

  it('the environment secrets, trimmed too', async () => {
    const env = testEnv({ AWS_SECRET_ACCESS_KEY: S, AWS_SESSION_TOKEN: TOKEN, PUPPET_CORE_KEY: ` ${CORE}\n` });
    for (const secret of [S, TOKEN, CORE]) {
      const r = await runCli(['route53:record:create', 'infra.example.com', 'sectxt', 'TXT', secret, '--json', '--verbose'], env);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});

describe('Settings', () => {
  it('registers the file secrets when it reads the file, before anything uses them', () => {
    const { env, path } = envWithCred(`AWSSecretKey=${S}\nAWSSessionToken=${TOKEN}\nPuppetCoreKey=${CORE}\n`);
    const redactor = new Redactor();
    const flags = plainFlags({ awscred: path });
    const settings = new Settings(flags, env, env.HOME!, env.HOME!, redactor);
    expect(redactor.redact(S)).toBe(S);
    settings.awscred();
    expect(redactor.redact(`${S} ${TOKEN} ${CORE}`)).toBe('**** **** ****');
  });

  it('a misspelled secret key is still treated as a secret', () => {
    const { env, path } = envWithCred(`AWSSecretKy=${S}\n`);
    const redactor = new Redactor();
    const flags = plainFlags({ awscred: path });
    new Settings(flags, env, env.HOME!, env.HOME!, redactor).awscred();
    expect(redactor.redact(S)).toBe('****');
  });
});

describe('Redactor', () => {
  it('replaces the longest secret first, and the JSON-escaped form', () => {
    const redactor = new Redactor();
    redactor.add('abcdefgh');
    redactor.add('abcdefgh-and-more');
    redactor.add('with"quote\\back');
    expect(redactor.redact('x abcdefgh-and-more y abcdefgh')).toBe('x **** y ****');
    expect(redactor.redact(JSON.stringify({ v: 'with"quote\\back' }))).toBe('{"v":"****"}');
  });

  it('JSON results are redacted', () => {
    let out = '';
    const o = new PassThrough();
    o.on('data', (d) => (out += d));
    const redactor = new Redactor();
    redactor.add(S);
    new Output(o, new PassThrough(), { verbose: false, quiet: false, debug: false, json: true, color: false }, redactor).result({ value: [`"${S}"`] });
    expect(out).not.toContain(S);
    expect(out).toContain('****');
  });
});

describe('a sensitive option', () => {
  const task = defineTask({
    name: 'test:secret',
    summary: 'takes a secret',
    args: [],
    options: {
      secret: { type: 'string', sensitive: true, description: 'a secret', choices: ['only-this-one'], validate: (v) => `bad value ${v}` },
      count: { type: 'number', sensitive: true, description: 'a secret number' },
    },
    run: async () => undefined,
  });

  it('is never quoted in a binding error (it is registered only once bound)', () => {
    expect(() => bind(task, [], { secret: S })).toThrow(/^--secret must be one of only-this-one$/);
    expect(() => bind(task, [], { count: S })).toThrow(/^--count wants a number$/);
    const lenient = { ...task, options: { secret: { ...task.options.secret, choices: undefined } } };
    expect(() => bind(lenient, [], { secret: S })).toThrow(/^--secret: bad value \*\*\*\*$/);
  });

  it('is redacted in the echo line', async () => {
    const { newRunner } = await import('../../../src/compose.js');
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (d) => (err += d));
    const flags = { verbose: true, quiet: false, debug: false, json: false, dryRun: false, color: false, strictHostKeys: false, keepOnFailure: false };
    const out = new Output(new PassThrough(), stderr, flags);
    const open = { ...task, options: { secret: { type: 'string' as const, sensitive: true as const, description: 'a secret' } } };
    const runner = newRunner(() => undefined, new Settings(flags, {}, mkdtempSync(join(tmpdir(), 'r-')), '/nonexistent'), out);
    await runner.run(open, [], { secret: S });
    expect(err.split('\n')[0]).toBe('task: test:secret --secret ****');
    expect(err).not.toContain(S);
  });
});

describe('a yes/no question', () => {
  it('is written to the terminal redacted', async () => {
    const { askYesNo } = await import('../../../src/engine/prompt.js');
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d) => (shown += d));
    const redactor = new Redactor();
    redactor.add(S);
    const answer = askYesNo({ input, output, redact: (t) => redactor.redact(t) }, `delete the record ${S}?`);
    input.write('y\n');
    expect(await answer).toBe(true);
    expect(shown).toContain('delete the record ****? (y/n)');
    expect(shown).not.toContain(S);
  });
});
