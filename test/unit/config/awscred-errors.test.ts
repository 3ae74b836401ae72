// An awscred file that cannot be used is an error (exit 2, one line naming the file and
// the line), never silently ignored; unknown keys are one warning naming the known ones.
import { AllocateAddressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { firstInvalidUtf8Line, loadAwsCred } from '../../../src/config/awscred.js';
import { runCli, testEnv } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(AllocateAddressCommand).resolves({ PublicIp: '203.0.113.9', AllocationId: 'eipalloc-9' });
});

const S = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';

function fileWith(content: string | Buffer, mode = 0o600) {
  const env = testEnv();
  const path = join(env.HOME!, 'F');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return { env, path };
}

/** Runs a task with --awscred; it must fail with exit 2 and exactly one line, never touching AWS. */
async function refused(env: NodeJS.ProcessEnv, path: string) {
  const r = await runCli(['ec2:ip:create', '--awscred', path, '--verbose'], env);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toContain('usage:');
  expect(r.stderr).not.toContain(S);
  expect(ec2.calls()).toHaveLength(0);
  return r.stderr.trimEnd();
}

describe('a malformed awscred file fails the run with exit 2', () => {
  it('binary: a NUL byte, naming its line', async () => {
    const { env, path } = fileWith(Buffer.concat([Buffer.from(`AWSSecretKey=${S}\nAWSRegion=eu-west-1\n`), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01])]));
    expect(await refused(env, path)).toBe(`error: ${path}, line 3: a NUL byte; this is not a text file`);
  });

  it('invalid UTF-8, naming its line', async () => {
    const { env, path } = fileWith(
      Buffer.concat([Buffer.from('# comment\nAWSRegion=eu-west-1\nRemoteUser='), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\n')]),
    );
    expect(await refused(env, path)).toBe(`error: ${path}, line 3: not UTF-8 text`);
  });

  it('UTF-16 (a byte order mark)', async () => {
    for (const bom of [Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])]) {
      const { env, path } = fileWith(Buffer.concat([bom, Buffer.from(`AWSSecretKey=${S}\n`, 'utf16le')]));
      expect(await refused(env, path)).toBe(`error: ${path}, line 1: UTF-16 text (a byte order mark); save it as UTF-8`);
    }
  });

  it('[section without ], text after ], an empty [], a line that is not KEY=VALUE, a value without a key', async () => {
    const cases: [string, number, string][] = [
      ['AWSRegion=eu-west-1\n\n[unterminated\nBaseOSImage=ami-1\n', 3, 'a [section without its closing ]'],
      ['[fedora19] BaseOSImage=ami-1\n', 1, 'text after the ] of a [section]'],
      ['[]\n', 1, 'an empty [] section name'],
      [`AWSAccessKeyId=AKID\n${S}\n`, 2, 'not KEY=VALUE, a [section] or a comment (this file is INI: KEY=VALUE lines)'],
      ['AWSRegion=eu-west-1\r\n = value\r\n', 2, 'a value without a KEY before the ='],
    ];
    for (const [text, line, why] of cases) {
      const { env, path } = fileWith(text);
      expect(await refused(env, path)).toBe(`error: ${path}, line ${line}: ${why}`);
    }
  });

  it('over 64 KiB (here 5 MB)', async () => {
    const { env, path } = fileWith(`AWSRegion=eu-west-1\n${'# padding\n'.repeat(500_000)}`);
    expect(await refused(env, path)).toBe(`error: ${path} is 5000020 bytes; an awscred file is at most 64 KiB (is it the right file?)`);
  });

  it('unreadable: mode 000 (as another user than root), a directory, a FIFO', async () => {
    if (process.getuid?.() !== 0) {
      const { env, path } = fileWith('AWSRegion=eu-west-1\n', 0o000);
      expect(await refused(env, path)).toBe(`error: cannot read ${path}: permission denied (run: chmod 600 ${path} (as its owner))`);
    }
    const env = testEnv();
    const dir = join(env.HOME!, 'credDir');
    mkdirSync(dir);
    expect(await refused(env, dir)).toBe(`error: ${dir} is a directory, not an awscred file`);
    const fifo = join(env.HOME!, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await refused(env, fifo)).toBe(`error: ${fifo} is not a regular file`);
  });

  it('the default ~/.awscred and ./.awscred are checked the same way', async () => {
    const env = testEnv();
    writeFileSync(join(env.HOME!, '.awscred'), '[unterminated\n', { mode: 0o600 });
    const home = await runCli(['ec2:ip:create'], env);
    expect(home.code).toBe(2);
    expect(home.stderr).toBe(`error: ${env.HOME}/.awscred, line 1: a [section without its closing ]\n`);
    const env2 = testEnv();
    const cwd = mkdtempSync(join(tmpdir(), 'cwd-'));
    mkdirSync(join(cwd, '.awscred'));
    const here = await runCli(['ec2:ip:create'], env2, cwd);
    expect(here.code).toBe(2);
    expect(here.stderr).toBe(`error: ${cwd}/.awscred is a directory, not an awscred file\n`);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('list and help never read it', async () => {
    const env = testEnv();
    writeFileSync(join(env.HOME!, '.awscred'), Buffer.from([0xff, 0xfe, 0x00, 0x00]), { mode: 0o600 });
    for (const argv of [['list'], ['list', 'ec2'], ['help', 'ec2:ip:create'], ['ec2:ip:create', '--help']]) {
      const r = await runCli(argv, env);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stderr).toBe('');
    }
  });
});

describe('what the file may hold', () => {
  it('unknown keys: one warning naming them and the known ones; the run goes on', async () => {
    const { env, path } = fileWith(`AWSRegion=eu-west-1\nAWSSecretKy=${S}\nawsregion=us-west-2\n\n[fedora19]\nBaseOSImage=ami-1\nAWSRegion=eu-west-2\n`);
    const r = await runCli(['ec2:ip:create', '--awscred', path], env);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      `warning: ${path}: unknown keys AWSSecretKy (line 2), awsregion (line 3), AWSRegion in [fedora19] (line 7) ignored; ` +
        'known keys: AWSAccessKeyId, AWSSecretKey, AWSSecretAccessKey, AWSSessionToken, AWSKeyPairName, AWSEC2Type, RemoteUser, AWSRegion, PuppetSource, PuppetCoreKey; ' +
        'in an [OS] section: BaseOSImage, RemoteUser',
    ]);
    expect(r.stdout + r.stderr).not.toContain(S);
    expect(r.stdout).toBe('203.0.113.9\n');
  });

  it('comments, blank lines, CRLF, a UTF-8 byte order mark, dotted sections and a comment after ] are fine', () => {
    const { path } = fileWith(
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('; a comment\r\n# another\r\nAWSRegion = eu-west-1\r\n\r\n[rhel6.4] ; RHEL\r\nBaseOSImage=ami-a05415c9\r\n'),
      ]),
    );
    const cred = loadAwsCred(path);
    expect(cred.region).toBe('eu-west-1');
    expect(cred.sections['rhel6.4']).toEqual({ baseOSImage: 'ami-a05415c9', remoteUser: undefined });
    expect(cred.warnings).toEqual([]);
  });

  it('the secrets of a file that fails its checks are still registered first', () => {
    const { path } = fileWith(`AWSSecretKey=${S}\n[unterminated\n`);
    const seen: string[] = [];
    expect(() => loadAwsCred(path, (s) => seen.push(s))).toThrow(/line 2: a \[section without/);
    expect(seen).toContain(S);
  });
});

describe('firstInvalidUtf8Line', () => {
  it('finds stray, truncated, overlong and surrogate sequences, by line; accepts real UTF-8', () => {
    expect(firstInvalidUtf8Line(Buffer.from('plain ascii, ünïcödé, 日本, 😀\nsecond'))).toBe(0);
    expect(firstInvalidUtf8Line(Buffer.from([0x41, 0x0a, 0x41, 0x80]))).toBe(2);
    expect(firstInvalidUtf8Line(Buffer.from([0x41, 0xe6, 0x97]))).toBe(1);
    expect(firstInvalidUtf8Line(Buffer.from([0x0a, 0x0a, 0xc0, 0xaf]))).toBe(3);
    expect(firstInvalidUtf8Line(Buffer.from([0xe0, 0x80, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8Line(Buffer.from([0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8Line(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(1);
  });
});
