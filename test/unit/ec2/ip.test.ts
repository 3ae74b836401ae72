import { AllocateAddressCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

describe('ec2:ip:create', () => {
  it('allocates a VPC address and prints only the address on stdout', async () => {
    ec2.on(AllocateAddressCommand).resolves({ PublicIp: '203.0.113.7', AllocationId: 'eipalloc-1' });
    const r = await runCli(['ec2:ip:create']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('203.0.113.7\n');
    expect(r.stderr).toBe('task: ec2:ip:create\n');
    expect(ec2.commandCalls(AllocateAddressCommand).map((c) => c.args[0].input)).toEqual([{ Domain: 'vpc' }]);
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it('prints JSON with --json and nothing on stderr with --quiet', async () => {
    ec2.on(AllocateAddressCommand).resolves({ PublicIp: '203.0.113.7', AllocationId: 'eipalloc-1' });
    const r = await runCli(['ec2:ip:create', '--json', '--quiet']);
    expect(JSON.parse(r.stdout)).toEqual({ address: '203.0.113.7', allocationId: 'eipalloc-1' });
    expect(r.stderr).toBe('');
  });

  it('sends DryRun under --dry-run and exits 0 when EC2 says it would succeed', async () => {
    ec2.on(AllocateAddressCommand).rejects(Object.assign(new Error('Request would have succeeded'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:ip:create', '--dry-run']);
    expect(ec2.commandCalls(AllocateAddressCommand)[0]!.args[0].input).toEqual({ Domain: 'vpc', DryRun: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/dry run: AllocateAddress: EC2 says the request would succeed/);
  });

  it('turns a permissions error into one line and exit 1, without the secret', async () => {
    ec2.on(AllocateAddressCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation. Encoded authorization failure message: xyz'), {
        name: 'UnauthorizedOperation',
        $metadata: { requestId: 'req-123' },
      }),
    );
    const env = testEnv();
    const r = await runCli(['ec2:ip:create', '--debug'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: not permitted: You are not authorized to perform this operation\./m);
    expect(r.stderr).toMatch(/debug: AWS request id req-123/);
    expect(r.stderr).not.toContain(env.AWS_SECRET_ACCESS_KEY);
  });
});
