import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  EC2Client,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { associateAddress, releaseAddress } from '../../../src/aws/addresses.js';
import { runCli, testEnv } from '../../support/cli.js';
import { ec2ServiceContext } from '../../support/service-context.js';

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

const ADDRS = [
  { PublicIp: '203.0.113.10', AllocationId: 'eipalloc-10', Domain: 'vpc' as const },
  { PublicIp: '203.0.113.9', AllocationId: 'eipalloc-9', Domain: 'vpc' as const, AssociationId: 'eipassoc-9', InstanceId: 'i-0123456789abcdef0' },
];
const FREE = ADDRS[0]!;
const BOUND = ADDRS[1]!;

/** DescribeAddresses answers the filtered lookup with the matching address, the unfiltered list with all. */
function holdAddresses(addresses = ADDRS) {
  ec2.on(DescribeAddressesCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
    const ip = input.Filters?.find((f) => f.Name === 'public-ip')?.Values[0];
    return { Addresses: ip ? addresses.filter((a) => a.PublicIp === ip) : addresses };
  });
}

const inputs = <T>(cmd: T) => ec2.commandCalls(cmd as never).map((c) => c.args[0].input);

describe('ec2:ip:list', () => {
  it('prints one `address instance` line per address, numerically sorted, - when free', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('203.0.113.9 i-0123456789abcdef0\n203.0.113.10 -\n');
    expect(r.stderr).toBe('task: ec2:ip:list\n');
    expect(inputs(DescribeAddressesCommand)).toEqual([{}]);
  });

  it('prints nothing when the account holds no address', async () => {
    holdAddresses([]);
    const r = await runCli(['ec2:ip:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });
});

describe('ec2:ip:info', () => {
  it('prints address, instance, allocation and association ids', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:info', '203.0.113.9']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('203.0.113.9 i-0123456789abcdef0 eipalloc-9 eipassoc-9\n');
    expect(r.stderr).toBe('task: ec2:ip:info 203.0.113.9\n');
    expect(inputs(DescribeAddressesCommand)).toEqual([{ Filters: [{ Name: 'public-ip', Values: ['203.0.113.9'] }] }]);
  });

  it('prints dashes for a free address', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:info', '203.0.113.10']);
    expect(r.stdout).toBe('203.0.113.10 - eipalloc-10 -\n');
  });

  it('exits 1 naming the addresses the account holds when the address is not ours', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:info', '198.51.100.1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: 198.51.100.1 is not one of this account's elastic IPs (allocated: 203.0.113.9, 203.0.113.10)");
  });

  it('suggests ec2:ip:create when the account holds none', async () => {
    holdAddresses([]);
    const r = await runCli(['ec2:ip:info', '198.51.100.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(there are none; origin-setup ec2:ip:create allocates one)');
  });

  it.each(['203.0.113', '203.0.113.256', 'broker', '203.0.113.7; rm -rf /'])(
    'rejects the malformed address %j with exit 2 and the usage line, before any AWS call',
    async (bad) => {
      const r = await runCli(['ec2:ip:info', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: IPADDR '${bad}': not an IPv4 address`);
      expect(r.stderr).toContain('usage: origin-setup ec2:ip:info IPADDR');
      expect(ec2.calls()).toHaveLength(0);
    },
  );
});

describe('ec2:ip:associate', () => {
  it('associates by allocation id with an instance id, printing `address instance`', async () => {
    holdAddresses();
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-new' });
    const r = await runCli(['ec2:ip:associate', '203.0.113.10', 'i-0aaaaaaaaaaaaaaaa']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('203.0.113.10 i-0aaaaaaaaaaaaaaaa\n');
    expect(r.stderr).toBe('task: ec2:ip:associate 203.0.113.10 i-0aaaaaaaaaaaaaaaa\n');
    expect(inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-10', InstanceId: 'i-0aaaaaaaaaaaaaaaa' }]);
    // An id is used as given: no instance lookup.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('resolves a Name tag through DescribeInstances (live states only)', async () => {
    holdAddresses();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0bbbbbbbbbbbbbbbb', Tags: [{ Key: 'Name', Value: 'broker' }], State: { Name: 'running' } }] }],
    });
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-new' });
    const r = await runCli(['ec2:ip:associate', '203.0.113.10', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('203.0.113.10 i-0bbbbbbbbbbbbbbbb\n');
    expect(inputs(DescribeInstancesCommand)).toEqual([
      {
        Filters: [
          { Name: 'tag:Name', Values: ['broker'] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
        ],
      },
    ]);
    expect(inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-10', InstanceId: 'i-0bbbbbbbbbbbbbbbb' }]);
  });

  it('exits 1 listing the live instances when the name matches none, without associating', async () => {
    holdAddresses();
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [] })
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0cccccccccccccccc', Tags: [{ Key: 'Name', Value: 'puppet' }] }] }] });
    const r = await runCli(['ec2:ip:associate', '203.0.113.10', 'brokr']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: no instance named 'brokr' (instances: puppet)");
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('is a no-op success when the address already points at that instance', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:associate', '203.0.113.9', 'i-0123456789abcdef0', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('203.0.113.9 i-0123456789abcdef0\n');
    expect(r.stderr).toContain('203.0.113.9 is already associated with i-0123456789abcdef0');
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('refuses to move an address that points at another instance', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:associate', '203.0.113.9', 'i-0aaaaaaaaaaaaaaaa']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: 203.0.113.9 is associated with i-0123456789abcdef0 (run origin-setup ec2:ip:disassociate 203.0.113.9 first)');
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('exits 1 when the address is not ours, without associating', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:associate', '198.51.100.1', 'i-0aaaaaaaaaaaaaaaa']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("198.51.100.1 is not one of this account's elastic IPs");
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    holdAddresses();
    ec2.on(AssociateAddressCommand).rejects(Object.assign(new Error('would succeed'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:ip:associate', '203.0.113.10', 'i-0aaaaaaaaaaaaaaaa', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-10', InstanceId: 'i-0aaaaaaaaaaaaaaaa', DryRun: true }]);
    expect(r.stderr).toContain('dry run: AssociateAddress: EC2 says the request would succeed');
  });

  it('rejects a malformed address with exit 2 before any AWS call', async () => {
    const r = await runCli(['ec2:ip:associate', '1.2.3', 'broker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: origin-setup ec2:ip:associate IPADDR INSTANCE');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('wants both arguments', async () => {
    const r = await runCli(['ec2:ip:associate', '203.0.113.10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: origin-setup ec2:ip:associate IPADDR INSTANCE');
  });
});

describe('ec2:ip:disassociate', () => {
  it('disassociates by the association id found behind the address, printing nothing', async () => {
    holdAddresses();
    ec2.on(DisassociateAddressCommand).resolves({});
    const r = await runCli(['ec2:ip:disassociate', '203.0.113.9']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('task: ec2:ip:disassociate 203.0.113.9\n');
    expect(inputs(DisassociateAddressCommand)).toEqual([{ AssociationId: 'eipassoc-9' }]);
  });

  it('exits 1 when the address is not associated', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:disassociate', '203.0.113.10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: 203.0.113.10 is not associated with anything (origin-setup ec2:ip:list shows the associations)');
    expect(ec2.commandCalls(DisassociateAddressCommand)).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    holdAddresses();
    ec2.on(DisassociateAddressCommand).rejects(Object.assign(new Error('would succeed'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:ip:disassociate', '203.0.113.9', '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(DisassociateAddressCommand)).toEqual([{ AssociationId: 'eipassoc-9', DryRun: true }]);
  });
});

describe('ec2:ip:delete', () => {
  it('releases a free address by its allocation id', async () => {
    holdAddresses();
    ec2.on(ReleaseAddressCommand).resolves({});
    const r = await runCli(['ec2:ip:delete', '203.0.113.10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('task: ec2:ip:delete 203.0.113.10\n');
    expect(inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-10' }]);
  });

  it('refuses while the address is associated, and releases nothing', async () => {
    holdAddresses();
    const r = await runCli(['ec2:ip:delete', '203.0.113.9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: 203.0.113.9 is associated with i-0123456789abcdef0 (disassociate it first, or pass --force)');
    expect(ec2.commandCalls(DisassociateAddressCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it('with --force disassociates first, then releases', async () => {
    holdAddresses();
    ec2.on(DisassociateAddressCommand).resolves({});
    ec2.on(ReleaseAddressCommand).resolves({});
    const r = await runCli(['ec2:ip:delete', '203.0.113.9', '--force']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('- disassociating 203.0.113.9 from i-0123456789abcdef0');
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeAddressesCommand', 'DisassociateAddressCommand', 'ReleaseAddressCommand']);
    expect(inputs(DisassociateAddressCommand)).toEqual([{ AssociationId: 'eipassoc-9' }]);
    expect(inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-9' }]);
  });

  it('exits 1 when the address is not ours', async () => {
    holdAddresses([BOUND]);
    const r = await runCli(['ec2:ip:delete', '203.0.113.10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: 203.0.113.10 is not one of this account's elastic IPs (allocated: 203.0.113.9)");
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    holdAddresses([FREE]);
    ec2.on(ReleaseAddressCommand).rejects(Object.assign(new Error('would succeed'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:ip:delete', '203.0.113.10', '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-10', DryRun: true }]);
    expect(r.stderr).toContain('dry run: ReleaseAddress: EC2 says the request would succeed');
  });
});

describe('journal entries, undone when a later step of the run fails', () => {
  it('an association is undone by disassociating', async () => {
    holdAddresses();
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-new' });
    ec2.on(DisassociateAddressCommand).resolves({});
    const ctx = ec2ServiceContext();
    await associateAddress(ctx, '203.0.113.10', 'i-0aaaaaaaaaaaaaaaa');
    expect(ctx.journal.describe()).toEqual(['elastic IP association 203.0.113.10 → i-0aaaaaaaaaaaaaaaa']);
    await ctx.journal.rollback();
    expect(inputs(DisassociateAddressCommand)).toEqual([{ AssociationId: 'eipassoc-new' }]);
  });

  it('an address released on purpose leaves the journal, so rollback does not release it twice', async () => {
    ec2.on(ReleaseAddressCommand).resolves({});
    const ctx = ec2ServiceContext();
    ctx.journal.record({ kind: 'elastic IP', id: '203.0.113.10', undo: async () => undefined });
    await releaseAddress(ctx, { address: '203.0.113.10', allocationId: 'eipalloc-10' });
    expect(ctx.journal.describe()).toEqual([]);
  });
});
