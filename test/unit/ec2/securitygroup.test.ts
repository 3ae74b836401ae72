import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type DescribeSecurityGroupsCommandInput,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { authorizeRule, createSecurityGroup, deleteSecurityGroup } from '../../../src/aws/security-groups.js';
import { runCli } from '../../support/cli.js';
import { ec2ServiceContext } from '../../support/service-context.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const VPC1 = 'vpc-11111111';
const DEFAULT1 = 'sg-0aaaaaaaaaaaaaaaa';
const BROKER = 'sg-0bbbbbbbbbbbbbbbb';
const DEFAULT2 = 'sg-0cccccccccccccccc';
const EVERYWHERE = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

const GROUPS: SecurityGroup[] = [
  {
    GroupId: DEFAULT1,
    GroupName: 'default',
    Description: 'default VPC security group',
    VpcId: VPC1,
    IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: DEFAULT1, UserId: '123456789012' }] }],
    IpPermissionsEgress: EVERYWHERE,
  },
  {
    GroupId: BROKER,
    GroupName: 'broker',
    Description: 'OpenShift broker',
    VpcId: VPC1,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] },
      { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8443, Ipv6Ranges: [{ CidrIpv6: '::/0' }], UserIdGroupPairs: [{ GroupId: DEFAULT1 }] },
    ],
    IpPermissionsEgress: EVERYWHERE,
  },
  { GroupId: DEFAULT2, GroupName: 'default', Description: 'default VPC security group', VpcId: 'vpc-22222222', IpPermissionsEgress: EVERYWHERE },
];

/**
 * The DescribeSecurityGroups inputs as they were when sent (the SDK's paginators reuse one
 * input object, so commandCalls() would show only its final state).
 */
let described: DescribeSecurityGroupsCommandInput[] = [];

/** DescribeSecurityGroups as EC2 answers it: by id, by filter (with * wildcards), paged two at a time. */
function holdGroups(groups: SecurityGroup[] = GROUPS, pageSize = 2) {
  described = [];
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
    described.push(structuredClone(input));
    if (input.GroupIds) {
      const found = groups.filter((g) => input.GroupIds!.includes(g.GroupId!));
      if (!found.length) {
        throw Object.assign(new Error(`The security group '${input.GroupIds[0]}' does not exist`), { name: 'InvalidGroup.NotFound' });
      }
      return { SecurityGroups: found };
    }
    let list = groups;
    for (const f of input.Filters ?? []) {
      const glob = new RegExp(`^${f.Values![0]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      if (f.Name === 'group-name') list = list.filter((g) => glob.test(g.GroupName!));
      if (f.Name === 'vpc-id') list = list.filter((g) => g.VpcId === f.Values![0]);
    }
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const next = start + pageSize;
    return { SecurityGroups: list.slice(start, next), ...(next < list.length ? { NextToken: String(next) } : {}) };
  });
}

const inputs = (cmd: unknown) => ec2.commandCalls(cmd as never).map((c) => c.args[0].input);
const dryRunOk = () => Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), { name: 'DryRunOperation' });

describe('ec2:securitygroup:create', () => {
  it('creates the group with the name as description by default and prints only its id', async () => {
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0dddddddddddddddd' });
    const r = await runCli(['ec2:securitygroup:create', 'puppetmaster']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('sg-0dddddddddddddddd\n');
    expect(r.stderr).toBe('task: ec2:securitygroup:create puppetmaster\n');
    expect(inputs(CreateSecurityGroupCommand)).toEqual([{ GroupName: 'puppetmaster', Description: 'puppetmaster' }]);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
  });

  it('passes --description and --vpc', async () => {
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0dddddddddddddddd' });
    const r = await runCli(['ec2:securitygroup:create', 'broker', '--description', 'OpenShift broker', '--vpc', VPC1]);
    expect(r.code).toBe(0);
    expect(inputs(CreateSecurityGroupCommand)).toEqual([{ GroupName: 'broker', Description: 'OpenShift broker', VpcId: VPC1 }]);
  });

  it('says so when the name is taken', async () => {
    ec2
      .on(CreateSecurityGroupCommand)
      .rejects(
        Object.assign(new Error("The security group 'broker' already exists for VPC 'vpc-11111111'"), { name: 'InvalidGroup.Duplicate', $metadata: {} }),
      );
    const r = await runCli(['ec2:securitygroup:create', 'broker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: a security group named 'broker' already exists (origin-setup ec2:securitygroup:info --name broker shows it)");
  });

  it.each([
    [['sg-broker'], "NAME 'sg-broker': not a security group name"],
    [['broker', '--vpc', 'vpc-xyz'], '--vpc: not a VPC id'],
  ])('rejects %j with exit 2 and the usage line', async (words, message) => {
    const r = await runCli(['ec2:securitygroup:create', ...words]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(r.stderr).toContain('usage: origin-setup ec2:securitygroup:create NAME [options]');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    ec2.on(CreateSecurityGroupCommand).rejects(dryRunOk());
    const r = await runCli(['ec2:securitygroup:create', 'broker', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(CreateSecurityGroupCommand)).toEqual([{ GroupName: 'broker', Description: 'broker', DryRun: true }]);
    expect(r.stderr).toContain('dry run: CreateSecurityGroup: EC2 says the request would succeed');
  });
});

describe('ec2:securitygroup:delete', () => {
  it('deletes the group found by exact name', async () => {
    holdGroups();
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    const r = await runCli(['ec2:securitygroup:delete', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('task: ec2:securitygroup:delete\n');
    expect(described).toEqual([{ Filters: [{ Name: 'group-name', Values: ['broker'] }] }]);
    expect(inputs(DeleteSecurityGroupCommand)).toEqual([{ GroupId: BROKER }]);
  });

  it('deletes the group given by --id', async () => {
    holdGroups();
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    const r = await runCli(['ec2:securitygroup:delete', '--id', BROKER]);
    expect(r.code).toBe(0);
    expect(described).toEqual([{ GroupIds: [BROKER] }]);
    expect(inputs(DeleteSecurityGroupCommand)).toEqual([{ GroupId: BROKER }]);
  });

  it('explains a group still in use', async () => {
    holdGroups();
    ec2
      .on(DeleteSecurityGroupCommand)
      .rejects(Object.assign(new Error('resource sg-0bbbbbbbbbbbbbbbb has a dependent object'), { name: 'DependencyViolation', $metadata: {} }));
    const r = await runCli(['ec2:securitygroup:delete', '--name', 'broker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: security group ${BROKER} (broker) is still in use (instances or other groups’ rules refer to it; remove those first)`);
  });

  it('refuses a name that matches groups in two VPCs, listing them', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:delete', '--name', 'default']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: name 'default' matches 2 security groups: ${DEFAULT1} (${VPC1}), ${DEFAULT2} (vpc-22222222) (use --id)`);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
  });

  it('exits 1 with a hint for an unknown id', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:delete', '--id', 'sg-0eeeeeeeeeeeeeeee']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no security group sg-0eeeeeeeeeeeeeeee (origin-setup ec2:securitygroup:list shows the groups)');
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
  });

  it('wants --id or --name (exit 2), and a well-formed id', async () => {
    let r = await runCli(['ec2:securitygroup:delete']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: give the security group with --id ID or --name NAME');
    expect(r.stderr).toContain('usage: origin-setup ec2:securitygroup:delete [options]');
    r = await runCli(['ec2:securitygroup:delete', '--id', 'broker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --id: not a security group id');
    r = await runCli(['ec2:securitygroup:delete', '--id', BROKER, '--name', 'broker']);
    expect(r.code).toBe(2);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    holdGroups();
    ec2.on(DeleteSecurityGroupCommand).rejects(dryRunOk());
    const r = await runCli(['ec2:securitygroup:delete', '--name', 'broker', '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(DeleteSecurityGroupCommand)).toEqual([{ GroupId: BROKER, DryRun: true }]);
  });
});

const BROKER_IN = ['in tcp 80 0.0.0.0/0', 'in tcp 443 0.0.0.0/0 10.0.0.0/8', 'in icmp 8 0.0.0.0/0', `in tcp 8000-8443 ::/0 ${DEFAULT1}`];

describe('ec2:securitygroup:info', () => {
  it('prints the group line and its rules exactly once', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:info', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([`${BROKER} broker OpenShift broker`, ...BROKER_IN, 'out all all 0.0.0.0/0', ''].join('\n'));
    expect(r.stderr).toBe('task: ec2:securitygroup:info\n');
  });

  it('matches the name exactly: neither a glob nor a substring selects a group', async () => {
    holdGroups();
    for (const name of ['brok*', 'brok']) {
      const r = await runCli(['ec2:securitygroup:info', '--name', name]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error: no security group named '${name}' (groups: broker, default)`);
    }
  });
});

describe('ec2:securitygroup:list', () => {
  it('prints `id name description` for every group across pages', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [`${DEFAULT1} default default VPC security group`, `${BROKER} broker OpenShift broker`, `${DEFAULT2} default default VPC security group`, ''].join('\n'),
    );
    expect(described).toEqual([{}, { NextToken: '2' }]);
  });
});

describe('ec2:securitygroup:rules', () => {
  it('prints the inbound rules by default', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:rules', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([...BROKER_IN, ''].join('\n'));
  });

  it('adds outbound rules with --out, and only those with --no-in --out', async () => {
    holdGroups();
    let r = await runCli(['ec2:securitygroup:rules', '--id', DEFAULT1, '--out']);
    expect(r.stdout).toBe(`in all all ${DEFAULT1}\nout all all 0.0.0.0/0\n`);
    r = await runCli(['ec2:securitygroup:rules', '--id', DEFAULT1, '--no-in', '--out']);
    expect(r.stdout).toBe('out all all 0.0.0.0/0\n');
  });
});

describe('ec2:securitygroup:rule:add', () => {
  it('authorizes ingress for a range written as 8000..8443, from everywhere by default', async () => {
    holdGroups();
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    const r = await runCli(['ec2:securitygroup:rule:add', 'TCP', '8000..8443', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('in tcp 8000-8443 0.0.0.0/0\n');
    expect(r.stderr).toBe('task: ec2:securitygroup:rule:add TCP 8000..8443\n');
    expect(inputs(AuthorizeSecurityGroupIngressCommand)).toEqual([
      { GroupId: BROKER, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8000, ToPort: 8443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
    ]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupEgressCommand)).toHaveLength(0);
  });

  it('resolves group names as sources within the target group’s VPC', async () => {
    holdGroups();
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    const r = await runCli(['ec2:securitygroup:rule:add', 'tcp', '27017', '10.1.0.0/16', 'broker', DEFAULT1, '2001:db8::/32', '--id', DEFAULT1]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`in tcp 27017 10.1.0.0/16 2001:db8::/32 ${BROKER} ${DEFAULT1}\n`);
    expect(described).toEqual([
      { GroupIds: [DEFAULT1] },
      {
        Filters: [
          { Name: 'group-name', Values: ['broker'] },
          { Name: 'vpc-id', Values: [VPC1] },
        ],
      },
    ]);
    expect(inputs(AuthorizeSecurityGroupIngressCommand)).toEqual([
      {
        GroupId: DEFAULT1,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 27017,
            ToPort: 27017,
            IpRanges: [{ CidrIp: '10.1.0.0/16' }],
            Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
            UserIdGroupPairs: [{ GroupId: BROKER }, { GroupId: DEFAULT1 }],
          },
        ],
      },
    ]);
  });

  it('really authorizes egress with --egress', async () => {
    holdGroups();
    ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({ Return: true });
    const r = await runCli(['ec2:securitygroup:rule:add', 'udp', '514', '192.0.2.10/32', '--name', 'broker', '--egress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('out udp 514 192.0.2.10/32\n');
    expect(inputs(AuthorizeSecurityGroupEgressCommand)).toEqual([
      { GroupId: BROKER, IpPermissions: [{ IpProtocol: 'udp', FromPort: 514, ToPort: 514, IpRanges: [{ CidrIp: '192.0.2.10/32' }] }] },
    ]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('maps icmp TYPE and all, and protocol all', async () => {
    holdGroups();
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    await runCli(['ec2:securitygroup:rule:add', 'icmp', '0', '--name', 'broker']);
    await runCli(['ec2:securitygroup:rule:add', 'icmp', 'all', '10.0.0.0/8', '--name', 'broker']);
    await runCli(['ec2:securitygroup:rule:add', 'all', 'all', '10.0.0.0/8', '--name', 'broker']);
    expect(inputs(AuthorizeSecurityGroupIngressCommand).map((i) => i.IpPermissions)).toEqual([
      [{ IpProtocol: 'icmp', FromPort: 0, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      [{ IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
      [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
    ]);
  });

  it('is a no-op success for a rule the group already has, and sends only the missing sources', async () => {
    holdGroups();
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    let r = await runCli(['ec2:securitygroup:rule:add', 'tcp', '80', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`- ${BROKER} already has: in tcp 80 0.0.0.0/0`);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);

    r = await runCli(['ec2:securitygroup:rule:add', 'tcp', '443', '0.0.0.0/0', '192.0.2.0/24', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('in tcp 443 192.0.2.0/24\n');
    expect(inputs(AuthorizeSecurityGroupIngressCommand)).toEqual([
      { GroupId: BROKER, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '192.0.2.0/24' }] }] },
    ]);
  });

  it.each([
    [['sctp', '80'], "PROTOCOL 'sctp': not a protocol (tcp, udp, icmp, all)"],
    [['tcp', '70000'], "PORTS '70000': port out of range 0-65535"],
    [['tcp', '8443-8000'], "PORTS '8443-8000': port out of range 0-65535"],
    [['tcp', 'http'], "PORTS 'http': not a port or range such as 80 or 8000-8443"],
    [['tcp', '22', '10.0.0.1'], "SOURCES '10.0.0.1': not a CIDR block such as 10.0.0.0/16 (add /32 for a single address)"],
    [['tcp', '22', '10.0.0.0/33'], "SOURCES '10.0.0.0/33': not a CIDR block such as 10.0.0.0/16"],
    [['tcp', '22', 'sg-xyz'], "SOURCES 'sg-xyz': not a security group id"],
    [['all', '80'], "protocol all covers every port: give PORTS as all, not '80'"],
    [['icmp', '300'], "PORTS '300': for icmp give TYPE or TYPE-CODE (0-255), or all"],
  ])('rejects %j with exit 2 and the usage line, before any AWS call', async (words, message) => {
    const r = await runCli(['ec2:securitygroup:rule:add', ...words, '--name', 'broker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(r.stderr).toContain('usage: origin-setup ec2:securitygroup:rule:add PROTOCOL PORTS [SOURCES...] [options]');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('names the groups of the VPC when a source group does not exist', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:rule:add', 'tcp', '22', 'brokr', '--name', 'broker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no security group named 'brokr' in ${VPC1} (groups: broker, default)`);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('exits 1 with candidates when the target group does not exist', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:rule:add', 'tcp', '22', '--name', 'nodes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: no security group named 'nodes' (groups: broker, default)");
  });

  it('sends DryRun under --dry-run', async () => {
    holdGroups();
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(dryRunOk());
    const r = await runCli(['ec2:securitygroup:rule:add', 'tcp', '22', '--name', 'broker', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(AuthorizeSecurityGroupIngressCommand)).toEqual([
      { GroupId: BROKER, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], DryRun: true },
    ]);
    expect(r.stderr).toContain('dry run: AuthorizeSecurityGroupIngress: EC2 says the request would succeed');
  });
});

describe('ec2:securitygroup:rule:remove', () => {
  it('revokes an inbound rule and prints it', async () => {
    holdGroups();
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    const r = await runCli(['ec2:securitygroup:rule:remove', 'tcp', '443', '10.0.0.0/8', '--name', 'broker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('in tcp 443 10.0.0.0/8\n');
    expect(inputs(RevokeSecurityGroupIngressCommand)).toEqual([
      { GroupId: BROKER, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] },
    ]);
  });

  it('revokes egress with --egress', async () => {
    holdGroups();
    ec2.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
    const r = await runCli(['ec2:securitygroup:rule:remove', 'all', 'all', '--id', BROKER, '--egress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('out all all 0.0.0.0/0\n');
    expect(inputs(RevokeSecurityGroupEgressCommand)).toEqual([{ GroupId: BROKER, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }]);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('exits 1 naming the rule when the group does not have it, revoking nothing', async () => {
    holdGroups();
    const r = await runCli(['ec2:securitygroup:rule:remove', 'tcp', '22', '--name', 'broker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: ${BROKER} (broker) has no rule in tcp 22 0.0.0.0/0 (origin-setup ec2:securitygroup:rules --id ${BROKER} shows its rules)`,
    );
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    holdGroups();
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(dryRunOk());
    const r = await runCli(['ec2:securitygroup:rule:remove', 'tcp', '80', '--name', 'broker', '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(RevokeSecurityGroupIngressCommand)[0]).toMatchObject({ DryRun: true });
  });

  it('rejects a bad protocol with exit 2', async () => {
    const r = await runCli(['ec2:securitygroup:rule:remove', 'gre', '80', '--name', 'broker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: origin-setup ec2:securitygroup:rule:remove PROTOCOL PORTS [SOURCES...] [options]');
  });
});

describe('journal entries, undone when a later step of the run fails', () => {
  it('a created group is deleted', async () => {
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0dddddddddddddddd' });
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    const ctx = ec2ServiceContext();
    await createSecurityGroup(ctx, 'broker', 'OpenShift broker');
    expect(ctx.journal.describe()).toEqual(['security group sg-0dddddddddddddddd']);
    expect(await ctx.journal.rollback()).toEqual({ removed: ['security group sg-0dddddddddddddddd'], failed: [] });
    expect(inputs(DeleteSecurityGroupCommand)).toEqual([{ GroupId: 'sg-0dddddddddddddddd' }]);
  });

  it('an authorized rule is revoked in the same direction, and a deleted group leaves the journal', async () => {
    ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({ Return: true });
    ec2.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0dddddddddddddddd' });
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    const ctx = ec2ServiceContext();
    const created = await createSecurityGroup(ctx, 'tmp', 'tmp');
    await deleteSecurityGroup(ctx, created);
    const p = { IpProtocol: 'tcp', FromPort: 514, ToPort: 514, IpRanges: [{ CidrIp: '192.0.2.10/32' }] };
    await authorizeRule(ctx, BROKER, 'out', p);
    expect(ctx.journal.describe()).toEqual([`security group rule ${BROKER} out tcp 514 192.0.2.10/32`]);
    await ctx.journal.rollback();
    expect(inputs(RevokeSecurityGroupEgressCommand)).toEqual([{ GroupId: BROKER, IpPermissions: [p] }]);
    expect(inputs(DeleteSecurityGroupCommand)).toHaveLength(1);
  });
});
