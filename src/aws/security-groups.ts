// Security groups and their rules. A group is chosen by id or by its exact name (never a
// pattern); a rule is written as the user types it (PROTOCOL PORTS SOURCES…) and printed
// back in the same words, so a line of `rules` output can be pasted into rule:remove.
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError, UsageError } from '../engine/errors.js';
import { dryRun, mutate } from './ec2.js';

// --- finding groups ---

export interface SecurityGroupSelector {
  id?: string;
  name?: string;
}

export interface GroupSummary {
  id: string;
  name: string;
  description: string;
  vpcId?: string;
}

export function summarize(g: SecurityGroup): GroupSummary {
  return { id: g.GroupId!, name: g.GroupName ?? '', description: g.Description ?? '', ...(g.VpcId ? { vpcId: g.VpcId } : {}) };
}

export function groupLine(g: GroupSummary): string {
  return `${g.id} ${g.name} ${g.description}`.trimEnd();
}

export async function listSecurityGroups(ctx: Pick<TaskContext, 'aws'>, filterVpc?: string): Promise<SecurityGroup[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const groups: SecurityGroup[] = [];
  const input = filterVpc ? { Filters: [{ Name: 'vpc-id', Values: [filterVpc] }] } : {};
  for await (const page of sdk.paginateDescribeSecurityGroups({ client }, input)) groups.push(...(page.SecurityGroups ?? []));
  return groups;
}

/**
 * The one group with this id, or with exactly this name (in vpcId when given, since
 * every VPC has its own `default`). None or several is an error naming the candidates.
 */
export async function findSecurityGroup(ctx: Pick<TaskContext, 'aws'>, sel: SecurityGroupSelector & { vpcId?: string }): Promise<SecurityGroup> {
  if (sel.id && sel.name) throw new UsageError('give the security group with --id or --name, not both');
  const { client, sdk } = await ctx.aws.ec2();
  if (sel.id) {
    try {
      const out = await client.send(new sdk.DescribeSecurityGroupsCommand({ GroupIds: [sel.id] }));
      const found = out.SecurityGroups?.[0];
      if (found) return found;
    } catch (err) {
      if (!/^InvalidGroup(Id)?\.(NotFound|Malformed)$/.test((err as Error).name)) throw err;
    }
    throw new NotFoundError(`no security group ${sel.id}`, { hint: 'origin-setup ec2:securitygroup:list shows the groups' });
  }
  if (!sel.name) throw new UsageError('give the security group with --id ID or --name NAME');
  const filters = [{ Name: 'group-name', Values: [sel.name] }, ...(sel.vpcId ? [{ Name: 'vpc-id', Values: [sel.vpcId] }] : [])];
  const matches: SecurityGroup[] = [];
  for await (const page of sdk.paginateDescribeSecurityGroups({ client }, { Filters: filters })) {
    // EC2 filters treat * and ? as wildcards; only the exact name counts.
    matches.push(...(page.SecurityGroups ?? []).filter((g) => g.GroupName === sel.name));
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const list = matches.map((g) => `${g.GroupId} (${g.VpcId ?? 'no VPC'})`).join(', ');
    throw new NotFoundError(`name '${sel.name}' matches ${matches.length} security groups: ${list}`, { hint: 'use --id' });
  }
  const names = [...new Set((await listSecurityGroups(ctx, sel.vpcId)).map((g) => g.GroupName!))].sort();
  const where = sel.vpcId ? ` in ${sel.vpcId}` : '';
  throw new NotFoundError(`no security group named '${sel.name}'${where}`, {
    hint: names.length ? `groups: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}` : 'there are no security groups',
  });
}

// --- creating and deleting groups ---

export async function createSecurityGroup(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log'>,
  name: string,
  description: string,
  inVpc?: string,
): Promise<GroupSummary> {
  const { client, sdk } = await ctx.aws.ec2();
  let groupId: string;
  try {
    const out = await mutate(ctx, 'CreateSecurityGroup', () =>
      client.send(
        new sdk.CreateSecurityGroupCommand({
          GroupName: name,
          Description: description,
          ...(inVpc ? { VpcId: inVpc } : {}),
          ...dryRun(ctx),
        }),
      ),
    );
    groupId = out.GroupId!;
  } catch (err) {
    if ((err as Error).name === 'InvalidGroup.Duplicate') {
      throw new OriginError(`a security group named '${name}' already exists`, {
        hint: `origin-setup ec2:securitygroup:info --name ${name} shows it`,
      });
    }
    throw err;
  }
  ctx.journal.record({
    kind: 'security group',
    id: groupId,
    undo: async () => {
      await client.send(new sdk.DeleteSecurityGroupCommand({ GroupId: groupId }));
    },
  });
  ctx.log.verbose(`created security group ${groupId} (${name})`);
  return { id: groupId, name, description, ...(inVpc ? { vpcId: inVpc } : {}) };
}

export async function deleteSecurityGroup(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log'>, group: GroupSummary): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  try {
    await mutate(ctx, 'DeleteSecurityGroup', () => client.send(new sdk.DeleteSecurityGroupCommand({ GroupId: group.id, ...dryRun(ctx) })));
  } catch (err) {
    if ((err as Error).name === 'DependencyViolation') {
      throw new OriginError(`security group ${group.id} (${group.name}) is still in use`, {
        hint: 'instances or other groups’ rules refer to it; remove those first',
      });
    }
    throw err;
  }
  ctx.journal.forget('security group', group.id);
  ctx.log.verbose(`deleted security group ${group.id} (${group.name})`);
}

// --- rules ---

export type Direction = 'in' | 'out';

/** A rule in the words a user types: `tcp 8000-8443 0.0.0.0/0 sg-0123abcd`. */
export interface Rule {
  direction: Direction;
  protocol: string;
  ports: string;
  sources: string[];
}

export function ruleLine(r: Rule): string {
  return [r.direction, r.protocol, r.ports, ...r.sources].join(' ');
}

/** One source of one permission: the unit EC2 adds and removes. */
interface Grant {
  protocol: string;
  from?: number;
  to?: number;
  kind: 'cidr' | 'cidr6' | 'group' | 'prefix';
  value: string;
}

const grantKey = (g: Grant) => `${g.protocol}|${g.from ?? '*'}|${g.to ?? '*'}|${g.kind}|${g.value}`;

function grantsOf(p: IpPermission): Grant[] {
  const protocol = p.IpProtocol === '-1' ? 'all' : (p.IpProtocol ?? 'all');
  const base = protocol === 'all' ? { protocol } : { protocol, from: p.FromPort, to: p.ToPort };
  return [
    ...(p.IpRanges ?? []).map((r) => ({ ...base, kind: 'cidr' as const, value: r.CidrIp! })),
    ...(p.Ipv6Ranges ?? []).map((r) => ({ ...base, kind: 'cidr6' as const, value: r.CidrIpv6! })),
    ...(p.UserIdGroupPairs ?? []).map((r) => ({ ...base, kind: 'group' as const, value: r.GroupId! })),
    ...(p.PrefixListIds ?? []).map((r) => ({ ...base, kind: 'prefix' as const, value: r.PrefixListId! })),
  ];
}

/** Grants of one protocol and port range back into one EC2 permission. */
function permissionOf(grants: readonly Grant[]): IpPermission {
  const g0 = grants[0]!;
  const of = (kind: Grant['kind']) => grants.filter((g) => g.kind === kind).map((g) => g.value);
  const cidrs = of('cidr');
  const cidrs6 = of('cidr6');
  const groups = of('group');
  const prefixes = of('prefix');
  return {
    IpProtocol: g0.protocol === 'all' ? '-1' : g0.protocol,
    ...(g0.from !== undefined ? { FromPort: g0.from } : {}),
    ...(g0.to !== undefined ? { ToPort: g0.to } : {}),
    ...(cidrs.length ? { IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) } : {}),
    ...(cidrs6.length ? { Ipv6Ranges: cidrs6.map((CidrIpv6) => ({ CidrIpv6 })) } : {}),
    ...(groups.length ? { UserIdGroupPairs: groups.map((GroupId) => ({ GroupId })) } : {}),
    ...(prefixes.length ? { PrefixListIds: prefixes.map((PrefixListId) => ({ PrefixListId })) } : {}),
  };
}

function portsText(p: IpPermission): string {
  const proto = p.IpProtocol;
  if (proto === '-1' || p.FromPort === undefined || p.FromPort === -1) return 'all';
  if (proto === 'icmp' || proto === 'icmpv6') return p.ToPort === undefined || p.ToPort === -1 ? `${p.FromPort}` : `${p.FromPort}-${p.ToPort}`;
  return p.FromPort === p.ToPort ? `${p.FromPort}` : `${p.FromPort}-${p.ToPort}`;
}

/** One EC2 permission in the user's words. */
export function ruleOf(direction: Direction, p: IpPermission): Rule {
  return {
    direction,
    protocol: p.IpProtocol === '-1' ? 'all' : (p.IpProtocol ?? 'all'),
    ports: portsText(p),
    sources: grantsOf(p).map((g) => g.value),
  };
}

export function rulesOf(g: SecurityGroup, direction: Direction): Rule[] {
  const perms = direction === 'in' ? g.IpPermissions : g.IpPermissionsEgress;
  return (perms ?? []).map((p) => ruleOf(direction, p));
}

/**
 * PROTOCOL and PORTS as EC2 wants them. For icmp, PORTS is TYPE or TYPE-CODE; for all,
 * it must be `all`. Throws UsageError for what the argument validators cannot see alone.
 */
export function portRange(proto: string, portsWord: string): { IpProtocol: string; FromPort?: number; ToPort?: number } {
  const p = proto.toLowerCase();
  if (p === 'all') {
    if (portsWord !== 'all') throw new UsageError(`protocol all covers every port: give PORTS as all, not '${portsWord}'`);
    return { IpProtocol: '-1' };
  }
  if (portsWord === 'all') return p === 'icmp' ? { IpProtocol: p, FromPort: -1, ToPort: -1 } : { IpProtocol: p, FromPort: 0, ToPort: 65535 };
  const [lo, hi] = portsWord.replace('..', '-').split('-').map(Number) as [number, number | undefined];
  if (p === 'icmp') {
    if (lo > 255 || (hi ?? 0) > 255) throw new UsageError(`PORTS '${portsWord}': for icmp give TYPE or TYPE-CODE (0-255), or all`);
    return { IpProtocol: p, FromPort: lo, ToPort: hi ?? -1 };
  }
  return { IpProtocol: p, FromPort: lo, ToPort: hi ?? lo };
}

/**
 * The permission the user's words describe. Group names are resolved to ids in the
 * target group's VPC, which is what EC2 wants there.
 */
export async function permissionFor(
  ctx: Pick<TaskContext, 'aws'>,
  target: SecurityGroup,
  base: ReturnType<typeof portRange>,
  sources: readonly string[],
): Promise<IpPermission> {
  const grants: Grant[] = [];
  const proto1 = base.IpProtocol === '-1' ? 'all' : base.IpProtocol;
  const range = proto1 === 'all' ? {} : { from: base.FromPort, to: base.ToPort };
  for (const s of sources.length ? sources : ['0.0.0.0/0']) {
    let kind: Grant['kind'];
    let value = s;
    if (s.includes('/')) kind = s.includes(':') ? 'cidr6' : 'cidr';
    else if (s.startsWith('sg-')) kind = 'group';
    else if (/^pl-[0-9a-f]+$/.test(s)) kind = 'prefix';
    else {
      kind = 'group';
      value = (await findSecurityGroup(ctx, { name: s, ...(target.VpcId ? { vpcId: target.VpcId } : {}) })).GroupId!;
    }
    grants.push({ protocol: proto1, ...range, kind, value });
  }
  return permissionOf(grants);
}

/** Splits the wanted permission into the grants the group already has and those it lacks. */
export function compareWithGroup(g: SecurityGroup, direction: Direction, wanted: IpPermission): { present?: IpPermission; missing?: IpPermission } {
  const have = new Set(((direction === 'in' ? g.IpPermissions : g.IpPermissionsEgress) ?? []).flatMap(grantsOf).map(grantKey));
  const all = grantsOf(wanted);
  const present = all.filter((x) => have.has(grantKey(x)));
  const missing = all.filter((x) => !have.has(grantKey(x)));
  return {
    ...(present.length ? { present: permissionOf(present) } : {}),
    ...(missing.length ? { missing: permissionOf(missing) } : {}),
  };
}

async function sendRuleChange(
  ctx: Pick<TaskContext, 'aws' | 'dryRun'>,
  verb: 'authorize' | 'revoke',
  groupId: string,
  direction: Direction,
  p: IpPermission,
  withDryRun: boolean,
) {
  const { client, sdk } = await ctx.aws.ec2();
  const input = { GroupId: groupId, IpPermissions: [p], ...(withDryRun ? dryRun(ctx) : {}) };
  if (verb === 'authorize') {
    if (direction === 'in') await client.send(new sdk.AuthorizeSecurityGroupIngressCommand(input));
    else await client.send(new sdk.AuthorizeSecurityGroupEgressCommand(input));
  } else if (direction === 'in') await client.send(new sdk.RevokeSecurityGroupIngressCommand(input));
  else await client.send(new sdk.RevokeSecurityGroupEgressCommand(input));
}

const actionName = (verb: 'authorize' | 'revoke', d: Direction) =>
  `${verb === 'authorize' ? 'Authorize' : 'Revoke'}SecurityGroup${d === 'in' ? 'Ingress' : 'Egress'}`;

export async function authorizeRule(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal'>,
  groupId: string,
  direction: Direction,
  p: IpPermission,
): Promise<Rule> {
  await mutate(ctx, actionName('authorize', direction), () => sendRuleChange(ctx, 'authorize', groupId, direction, p, true));
  const rule = ruleOf(direction, p);
  ctx.journal.record({
    kind: 'security group rule',
    id: `${groupId} ${ruleLine(rule)}`,
    undo: () => sendRuleChange(ctx, 'revoke', groupId, direction, p, false),
  });
  return rule;
}

export async function revokeRule(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal'>, groupId: string, direction: Direction, p: IpPermission): Promise<Rule> {
  await mutate(ctx, actionName('revoke', direction), () => sendRuleChange(ctx, 'revoke', groupId, direction, p, true));
  const rule = ruleOf(direction, p);
  ctx.journal.forget('security group rule', `${groupId} ${ruleLine(rule)}`);
  return rule;
}
