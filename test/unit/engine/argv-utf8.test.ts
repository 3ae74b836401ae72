// Node decodes argv as UTF-8, substituting U+FFFD for bytes that are not: such an argument
// or option value is refused with exit 2, named, and never used or printed altered.
import { AllocateAddressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(AllocateAddressCommand).resolves({ PublicIp: '203.0.113.9', AllocationId: 'eipalloc-9' });
});

const BAD = 'ab\uFFFD\uFFFDcd';

async function refused(argv: string[], what: string) {
  const r = await runCli(argv, testEnv());
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0]).toBe(
    `error: ${what} is not valid UTF-8 text (the shell passed bytes that are not UTF-8); it was not used ` +
      '(pass it as UTF-8: check LANG / LC_ALL, and the encoding of the file it came from)',
  );
  expect(r.stderr).not.toContain('\uFFFD');
  return r;
}

describe('an argument that is not UTF-8', () => {
  it('is refused by name: positional arguments, a variadic one, one past the last', async () => {
    await refused(['route53:record:create', BAD, 'www', 'TXT', 'v'], 'ZONE');
    await refused(['route53:record:create', 'example.com', 'www', 'TXT', 'ok', BAD], 'VALUE');
    await refused(['route53:record:create', 'example.com', 'www', BAD, 'v'], 'TYPE');
    await refused(['ec2:ip:create', 'x', BAD], 'argument 2');
  });

  it('is refused by name: task options, global options, --opt=value, a list option, after --', async () => {
    await refused(['route53:record:create', 'example.com', 'www', 'TXT', 'v', '--ttl', BAD], 'the value of --ttl');
    await refused(['--region', BAD, 'ec2:ip:create'], 'the value of --region');
    await refused(['ec2:ip:create', `--awscred=${BAD}`], 'the value of --awscred');
    await refused(['ec2:ip:create', '--verbose', `--x${BAD}`], 'option 3 on the command line (its name)');
    await refused(['route53:record:create', 'example.com', 'www', 'TXT', '--', BAD], 'VALUE');
    await refused([`ec2:ip:create${BAD}`], 'the task name');
  });

  it('is refused before anything runs, with the task usage line', async () => {
    const r = await refused(['ec2:ip:create', '--profile', BAD, '--verbose'], 'the value of --profile');
    expect(r.stderr).toContain('usage: origin-setup ec2:ip:create');
    expect(r.stderr).not.toContain('task:');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('list and help words too; UTF-8 text (accents, CJK, emoji) is fine', async () => {
    await refused(['list', BAD], 'argument 1');
    await refused(['help', BAD], 'argument 1');
    const ok = await runCli(['ec2:ip:create', '--profile', 'prøfïl-日本-😀'], testEnv({ AWS_PROFILE: undefined }));
    expect(ok.stderr).not.toContain('not valid UTF-8');
  });
});
