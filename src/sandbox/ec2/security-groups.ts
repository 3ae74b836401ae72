// Security groups and their rules. A rule is kept per protocol and port range with its
// sources; adding a source a rule already has, or removing one it lacks, is refused as EC2
// refuses it, and nothing of that request changes.
import type { SandboxRule, SandboxSecurityGroup, SandboxState } from '../model.js';
import { nextId } from '../model.js';
import {
  type ActionHandler,
  applyFilters,
  defaultVpcId,
  Ec2Error,
  type FilterAttributes,
  filtersOf,
  paginate,
  type Params,
  putTags,
  tagSet,
  tagSpecifications,
} from './common.js';
import { findGroupById, findGroupByName } from './lookups.js';
import type { XmlFields } from './xml.js';

type GrantKind = 'cidr' | 'ipv6' | 'group' | 'prefix';

/** One source of one permission: the unit EC2 adds and removes. */
interface Grant {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  kind: GrantKind;
  value: string;
}

const KIND_FIELD = { cidr: 'cidrs', ipv6: 'ipv6Cidrs', group: 'groupIds', prefix: 'prefixListIds' } as const;

const PROTOCOLS: Record<string, string> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  icmpv6: 'icmpv6',
  '58': 'icmpv6',
  '-1': '-1',
  all: '-1',
};

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|\d?\d)$/;

function groupArn(state: SandboxState, g: SandboxSecurityGroup): string {
  return `arn:aws:ec2:${state.region}:${state.accountId}:security-group/${g.id}`;
}

function permissionXml(state: SandboxState, r: SandboxRule): XmlFields {
  return {
    ipProtocol: r.protocol,
    fromPort: r.protocol === '-1' ? undefined : r.fromPort,
    toPort: r.protocol === '-1' ? undefined : r.toPort,
    groups: r.groupIds.map((groupId) => ({ userId: state.accountId, groupId })),
    ipRanges: r.cidrs.map((cidrIp) => ({ cidrIp })),
    ipv6Ranges: (r.ipv6Cidrs ?? []).map((cidrIpv6) => ({ cidrIpv6 })),
    prefixListIds: (r.prefixListIds ?? []).map((prefixListId) => ({ prefixListId })),
  };
}

function groupXml(state: SandboxState, g: SandboxSecurityGroup): XmlFields {
  return {
    ownerId: state.accountId,
    groupId: g.id,
    groupName: g.name,
    groupDescription: g.description,
    vpcId: g.vpcId,
    ipPermissions: g.ingress.map((r) => permissionXml(state, r)),
    ipPermissionsEgress: g.egress.map((r) => permissionXml(state, r)),
    tagSet: tagSet(g.tags),
    securityGroupArn: groupArn(state, g),
  };
}

/** The group a rule request is about: GroupId, else GroupName in the default VPC. */
function targetGroup(state: SandboxState, p: Params): SandboxSecurityGroup {
  const id = p.str('GroupId');
  if (id) return findGroupById(state, id);
  const name = p.str('GroupName');
  if (name) return findGroupByName(state, name);
  throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupName or groupId');
}

function port(p: Params, name: string): number | undefined {
  return p.int(name);
}

/** IpPermissions.N as grants, each checked: protocol, ports, and that a source group exists. */
function grantsOf(state: SandboxState, p: Params): Grant[] {
  const perms = p.group('IpPermissions');
  if (perms.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter ipPermissions');
  const grants: Grant[] = [];
  for (const perm of perms) {
    const raw = (perm.str('IpProtocol') ?? '').toLowerCase();
    const protocol = PROTOCOLS[raw] ?? (/^\d+$/.test(raw) && Number(raw) <= 255 ? raw : undefined);
    if (!protocol) throw new Ec2Error('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
    let fromPort = port(perm, 'FromPort');
    let toPort = port(perm, 'ToPort');
    if (protocol === 'tcp' || protocol === 'udp') {
      if (fromPort === undefined || toPort === undefined) {
        throw new Ec2Error('InvalidParameterValue', `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`);
      }
      if (fromPort < 0 || toPort > 65_535 || fromPort > toPort) {
        throw new Ec2Error('InvalidParameterValue', `Invalid port range ${fromPort}-${toPort}: ports are 0-65535 and from may not exceed to.`);
      }
    } else if (protocol === 'icmp' || protocol === 'icmpv6') {
      fromPort ??= -1;
      toPort ??= -1;
      if (fromPort < -1 || fromPort > 255 || toPort < -1 || toPort > 255) {
        throw new Ec2Error('InvalidParameterValue', `Invalid ICMP type ${fromPort} or code ${toPort}: each is -1 or 0-255.`);
      }
    } else {
      fromPort = undefined;
      toPort = undefined;
    }
    const base = { protocol, ...(fromPort !== undefined ? { fromPort } : {}), ...(toPort !== undefined ? { toPort } : {}) };
    const before = grants.length;
    for (const r of perm.group('IpRanges')) {
      const cidr = r.str('CidrIp') ?? '';
      if (!IPV4_CIDR.test(cidr)) throw new Ec2Error('InvalidParameterValue', `CIDR block ${cidr} is malformed`);
      grants.push({ ...base, kind: 'cidr', value: cidr });
    }
    for (const r of perm.group('Ipv6Ranges')) {
      const cidr = r.str('CidrIpv6') ?? '';
      if (!IPV6_CIDR.test(cidr)) throw new Ec2Error('InvalidParameterValue', `CIDR block ${cidr} is malformed`);
      grants.push({ ...base, kind: 'ipv6', value: cidr });
    }
    for (const r of perm.group('Groups')) {
      const id = r.str('GroupId');
      const name = r.str('GroupName');
      const group = id ? findGroupById(state, id) : name ? findGroupByName(state, name) : undefined;
      if (!group) throw new Ec2Error('MissingParameter', 'A source group needs a GroupId or GroupName');
      grants.push({ ...base, kind: 'group', value: group.id });
    }
    for (const r of perm.group('PrefixListIds')) {
      const id = r.str('PrefixListId') ?? '';
      if (!/^pl-[0-9a-f]+$/.test(id)) throw new Ec2Error('InvalidPrefixListId.Malformed', `Invalid id: "${id}" (expecting "pl-...")`);
      grants.push({ ...base, kind: 'prefix', value: id });
    }
    if (grants.length === before) {
      throw new Ec2Error('InvalidParameterValue', 'A permission needs at least one source: an IP range, a group or a prefix list.');
    }
  }
  return grants;
}

const sameRange = (r: SandboxRule, g: Grant) => r.protocol === g.protocol && r.fromPort === g.fromPort && r.toPort === g.toPort;

function has(rules: readonly SandboxRule[], g: Grant): boolean {
  return rules.some((r) => sameRange(r, g) && (r[KIND_FIELD[g.kind]] ?? []).includes(g.value));
}

function describeGrant(g: Grant, egress: boolean): string {
  const proto = g.protocol === '-1' ? 'ALL' : g.protocol.toUpperCase();
  const ports = g.fromPort === undefined ? '' : `, from port: ${g.fromPort}, to port: ${g.toPort}`;
  return `the specified rule "peer: ${g.value}, ${proto}${ports}, ALLOW" already exists${egress ? ' (egress)' : ''}`;
}

function authorize(egress: boolean): ActionHandler {
  return ({ state, p }) => {
    const group = targetGroup(state, p);
    const rules = egress ? group.egress : group.ingress;
    const grants = grantsOf(state, p);
    const seen = new Set<string>();
    for (const g of grants) {
      const key = `${g.protocol}|${g.fromPort}|${g.toPort}|${g.kind}|${g.value}`;
      if (has(rules, g) || seen.has(key)) throw new Ec2Error('InvalidPermission.Duplicate', describeGrant(g, egress));
      seen.add(key);
    }
    const ruleSet: XmlFields[] = [];
    for (const g of grants) {
      let rule = rules.find((r) => sameRange(r, g));
      if (!rule) {
        rule = {
          protocol: g.protocol,
          ...(g.fromPort !== undefined ? { fromPort: g.fromPort } : {}),
          ...(g.toPort !== undefined ? { toPort: g.toPort } : {}),
          cidrs: [],
          groupIds: [],
        };
        rules.push(rule);
      }
      const field = KIND_FIELD[g.kind];
      (rule[field] ??= []).push(g.value);
      ruleSet.push({
        securityGroupRuleId: nextId(state, 'sgr-'),
        groupId: group.id,
        groupOwnerId: state.accountId,
        isEgress: egress,
        ipProtocol: g.protocol,
        fromPort: g.fromPort ?? -1,
        toPort: g.toPort ?? -1,
        cidrIpv4: g.kind === 'cidr' ? g.value : undefined,
        cidrIpv6: g.kind === 'ipv6' ? g.value : undefined,
        prefixListId: g.kind === 'prefix' ? g.value : undefined,
        referencedGroupInfo: g.kind === 'group' ? { groupId: g.value, userId: state.accountId } : undefined,
      });
    }
    return { return: true, securityGroupRuleSet: ruleSet };
  };
}

function revoke(egress: boolean): ActionHandler {
  return ({ state, p }) => {
    const group = targetGroup(state, p);
    const rules = egress ? group.egress : group.ingress;
    const grants = grantsOf(state, p);
    for (const g of grants) {
      if (!has(rules, g)) throw new Ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
    }
    for (const g of grants) {
      const rule = rules.find((r) => sameRange(r, g))!;
      const field = KIND_FIELD[g.kind];
      rule[field] = (rule[field] ?? []).filter((v) => v !== g.value);
    }
    const kept = rules.filter((r) => r.cidrs.length + r.groupIds.length + (r.ipv6Cidrs?.length ?? 0) + (r.prefixListIds?.length ?? 0) > 0);
    if (egress) group.egress = kept;
    else group.ingress = kept;
    return { return: true };
  };
}

export const authorizeSecurityGroupIngress = authorize(false);
export const authorizeSecurityGroupEgress = authorize(true);
export const revokeSecurityGroupIngress = revoke(false);
export const revokeSecurityGroupEgress = revoke(true);

const GROUP_NAME = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/;

export const createSecurityGroup: ActionHandler = ({ state, p }) => {
  const name = p.required('GroupName');
  const description = p.required('GroupDescription');
  const vpcId = p.str('VpcId') ?? defaultVpcId(state);
  if (vpcId !== defaultVpcId(state)) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  if (name.startsWith('sg-')) throw new Ec2Error('InvalidParameterValue', 'Group names may not be in the format sg-*');
  if (!GROUP_NAME.test(name)) throw new Ec2Error('InvalidParameterValue', `Invalid security group name '${name}'`);
  if (!GROUP_NAME.test(description)) throw new Ec2Error('InvalidParameterValue', `Invalid security group description '${description}'`);
  if (state.ec2.securityGroups.some((g) => g.name === name && g.vpcId === vpcId)) {
    throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
  }
  const group: SandboxSecurityGroup = {
    id: nextId(state, 'sg-'),
    name,
    description,
    vpcId,
    ingress: [],
    // A new VPC group may send anywhere, as on EC2.
    egress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'], groupIds: [] }],
    tags: [],
  };
  putTags(group.tags, tagSpecifications(p, 'security-group', ['security-group']));
  state.ec2.securityGroups.push(group);
  return { return: true, groupId: group.id, securityGroupArn: groupArn(state, group), tagSet: tagSet(group.tags) };
};

export const deleteSecurityGroup: ActionHandler = ({ state, p }) => {
  const group = targetGroup(state, p);
  if (group.name === 'default') {
    throw new Ec2Error('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
  }
  const usedByInstance = state.ec2.instances.some((i) => i.state !== 'terminated' && i.securityGroupIds.includes(group.id));
  const usedByRule = state.ec2.securityGroups.some((g) => g !== group && [...g.ingress, ...g.egress].some((r) => r.groupIds.includes(group.id)));
  if (usedByInstance || usedByRule) throw new Ec2Error('DependencyViolation', `resource ${group.id} has a dependent object`);
  state.ec2.securityGroups = state.ec2.securityGroups.filter((g) => g !== group);
  return { return: true, groupId: group.id };
};

function ruleValues(rules: readonly SandboxRule[], read: (r: SandboxRule) => readonly (string | number | undefined)[]) {
  return rules.flatMap(read);
}

const GROUP_FILTERS: FilterAttributes<SandboxSecurityGroup> = {
  'group-name': (g) => [g.name],
  'group-id': (g) => [g.id],
  'vpc-id': (g) => [g.vpcId],
  description: (g) => [g.description],
  'ip-permission.protocol': (g) => ruleValues(g.ingress, (r) => [r.protocol]),
  'ip-permission.from-port': (g) => ruleValues(g.ingress, (r) => [r.fromPort]),
  'ip-permission.to-port': (g) => ruleValues(g.ingress, (r) => [r.toPort]),
  'ip-permission.cidr': (g) => ruleValues(g.ingress, (r) => r.cidrs),
  'ip-permission.group-id': (g) => ruleValues(g.ingress, (r) => r.groupIds),
  'egress.ip-permission.protocol': (g) => ruleValues(g.egress, (r) => [r.protocol]),
  'egress.ip-permission.cidr': (g) => ruleValues(g.egress, (r) => r.cidrs),
  'egress.ip-permission.group-id': (g) => ruleValues(g.egress, (r) => r.groupIds),
};

export const describeSecurityGroups: ActionHandler = ({ state, p }) => {
  let groups = state.ec2.securityGroups;
  const ids = p.list('GroupId');
  const names = p.list('GroupName');
  if (ids.length) {
    for (const id of ids) findGroupById(state, id);
    groups = groups.filter((g) => ids.includes(g.id));
  }
  if (names.length) {
    for (const name of names) findGroupByName(state, name);
    groups = groups.filter((g) => names.includes(g.name));
  }
  const attributes: FilterAttributes<SandboxSecurityGroup> = { ...GROUP_FILTERS, 'owner-id': () => [state.accountId] };
  const matching = applyFilters(groups, filtersOf(p), attributes);
  const { page, nextToken } = paginate('DescribeSecurityGroups', matching, p, {
    min: 5,
    max: 1000,
    ...(ids.length || names.length ? { idsParam: ids.length ? 'groupIds' : 'groupNames' } : {}),
  });
  return { securityGroupInfo: page.map((g) => groupXml(state, g)), nextToken };
};
