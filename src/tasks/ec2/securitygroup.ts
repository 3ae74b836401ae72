// ec2:securitygroup:* — security groups and their rules. Groups are chosen by --id or by
// exact --name; rules are written and printed as `PROTOCOL PORTS SOURCES…`.
import {
  authorizeRule,
  compareWithGroup,
  createSecurityGroup,
  deleteSecurityGroup,
  findSecurityGroup,
  groupLine,
  listSecurityGroups,
  permissionFor,
  portRange,
  revokeRule,
  ruleLine,
  ruleOf,
  rulesOf,
  summarize,
  type Direction,
  type GroupSummary,
  type Rule,
} from '../../aws/security-groups.js';
import { NotFoundError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { ports, protocol, securityGroupName, securityGroupSelectorOptions, source, vpcId } from './options.js';

export const securitygroupCreate = defineTask({
  name: 'ec2:securitygroup:create',
  summary: 'create a security group and print its id',
  args: [{ name: 'name', description: 'group name', validate: securityGroupName }],
  options: {
    description: { type: 'string', description: 'free text (default: the name)', placeholder: 'TEXT' },
    vpc: { type: 'string', description: 'VPC id (default: the default VPC)', placeholder: 'VPC', validate: vpcId },
  },
  example: 'origin-setup ec2:securitygroup:create broker --description "OpenShift broker"',
  run: (ctx, { name }, { description, vpc }) => createSecurityGroup(ctx, name, description ?? name, vpc),
  render: (g) => g.id,
});

export const securitygroupDelete = defineTask({
  name: 'ec2:securitygroup:delete',
  summary: 'delete the security group given by --id or --name',
  args: [],
  options: { ...securityGroupSelectorOptions },
  example: 'origin-setup ec2:securitygroup:delete --name broker',
  async run(ctx, _args, sel): Promise<GroupSummary> {
    const group = summarize(await findSecurityGroup(ctx, sel));
    await deleteSecurityGroup(ctx, group);
    return group;
  },
  render: () => undefined,
});

interface GroupInfo extends GroupSummary {
  rules: Rule[];
}

export const securitygroupInfo = defineTask({
  name: 'ec2:securitygroup:info',
  summary: 'show a security group: `id name description`, then its in and out rules',
  args: [],
  options: { ...securityGroupSelectorOptions },
  example: 'origin-setup ec2:securitygroup:info --name default',
  async run(ctx, _args, sel): Promise<GroupInfo> {
    const g = await findSecurityGroup(ctx, sel);
    return { ...summarize(g), rules: [...rulesOf(g, 'in'), ...rulesOf(g, 'out')] };
  },
  render: (g) => [groupLine(g), ...g.rules.map(ruleLine)].join('\n'),
});

export const securitygroupList = defineTask({
  name: 'ec2:securitygroup:list',
  summary: 'list the security groups: `id name description`',
  args: [],
  options: {},
  example: 'origin-setup ec2:securitygroup:list',
  run: async (ctx) => (await listSecurityGroups(ctx)).map(summarize),
  render: (gs) => gs.map(groupLine).join('\n') || undefined,
});

export const securitygroupRules = defineTask({
  name: 'ec2:securitygroup:rules',
  summary: 'list a security group’s rules: `in|out PROTOCOL PORTS SOURCES…`',
  args: [],
  options: {
    ...securityGroupSelectorOptions,
    in: { type: 'boolean', description: 'show inbound rules', default: true },
    out: { type: 'boolean', description: 'show outbound rules' },
  },
  example: 'origin-setup ec2:securitygroup:rules --name broker --out',
  async run(ctx, _args, { id, name, in: inbound, out }): Promise<Rule[]> {
    const g = await findSecurityGroup(ctx, { id, name });
    return [...(inbound ? rulesOf(g, 'in') : []), ...(out ? rulesOf(g, 'out') : [])];
  },
  render: (rules) => rules.map(ruleLine).join('\n') || undefined,
});

const ruleArgs = [
  { name: 'protocol', description: 'tcp, udp, icmp or all', validate: protocol },
  { name: 'ports', description: 'a port (80), a range (8000-8443 or 8000..8443) or all; for icmp TYPE or TYPE-CODE', validate: ports },
  { name: 'sources', description: 'CIDR blocks, security group ids or names (default 0.0.0.0/0)', variadic: true, optional: true, validate: source },
] as const;

const ruleOptions = {
  ...securityGroupSelectorOptions,
  egress: { type: 'boolean', description: 'an outbound rule (sources are then destinations)' },
} as const;

export const securitygroupRuleAdd = defineTask({
  name: 'ec2:securitygroup:rule:add',
  summary: 'allow traffic: add a rule to the group given by --name or --id',
  args: ruleArgs,
  options: ruleOptions,
  example: 'origin-setup ec2:securitygroup:rule:add tcp 8000-8443 --name node',
  async run(ctx, { protocol: proto, ports: range, sources }, { id, name, egress }): Promise<Rule | undefined> {
    const direction: Direction = egress ? 'out' : 'in';
    const base = portRange(proto, range);
    const group = await findSecurityGroup(ctx, { id, name });
    const wanted = await permissionFor(ctx, group, base, sources);
    const { present, missing } = compareWithGroup(group, direction, wanted);
    if (present) ctx.log.info(`- ${group.GroupId} already has: ${ruleLine(ruleOf(direction, present))}`);
    // Only what is missing is sent, so a re-run succeeds and a rollback revokes only this run's grants.
    return missing ? authorizeRule(ctx, group.GroupId!, direction, missing) : undefined;
  },
  render: (r) => (r ? ruleLine(r) : undefined),
});

export const securitygroupRuleRemove = defineTask({
  name: 'ec2:securitygroup:rule:remove',
  summary: 'revoke a rule from the group given by --name or --id',
  args: ruleArgs,
  options: ruleOptions,
  example: 'origin-setup ec2:securitygroup:rule:remove tcp 22 0.0.0.0/0 --name default',
  async run(ctx, { protocol: proto, ports: range, sources }, { id, name, egress }): Promise<Rule> {
    const direction: Direction = egress ? 'out' : 'in';
    const base = portRange(proto, range);
    const group = await findSecurityGroup(ctx, { id, name });
    const wanted = await permissionFor(ctx, group, base, sources);
    const { missing } = compareWithGroup(group, direction, wanted);
    if (missing) {
      throw new NotFoundError(`${group.GroupId} (${group.GroupName}) has no rule ${ruleLine(ruleOf(direction, missing))}`, {
        hint: `origin-setup ec2:securitygroup:rules --id ${group.GroupId}${egress ? ' --out' : ''} shows its rules`,
      });
    }
    return revokeRule(ctx, group.GroupId!, direction, wanted);
  },
  render: (r) => ruleLine(r),
});

export const securitygroupTasks: SomeTask[] = [
  securitygroupCreate,
  securitygroupDelete,
  securitygroupInfo,
  securitygroupList,
  securitygroupRules,
  securitygroupRuleAdd,
  securitygroupRuleRemove,
];
