// Options and argument checks the ec2:* tasks share (and origin:baseinstance borrows),
// spelled once. Each check returns an error message or undefined: a bad value exits 2
// before anything runs.
import type { OptionSpec } from '../../engine/task.js';
import { cidr, imageId, instanceId, oneOf, portOrRange } from '../../engine/validate.js';

export const IMDS_VERSIONS = ['v2', 'v1'] as const;

/** How a new instance is locked down: the metadata service and its root volume. */
export const instanceHardeningOptions = {
  imds: {
    type: 'string',
    description: 'instance metadata service: v2 requires session tokens (IMDSv2); v1 also answers the old token-less requests',
    default: 'v2',
    choices: IMDS_VERSIONS,
    placeholder: 'v2|v1',
  },
  encrypted: { type: 'boolean', description: "encrypt the root volume (with the account's default EBS key)" },
} as const satisfies Record<string, OptionSpec>;

/** Instance names are looked up with EC2 filters, where * and ? are wildcards. */
export const instanceName = (v: string) =>
  v.trim() === '' ? 'must not be empty' : /[*?]/.test(v) ? 'must not contain * or ? (they are wildcards in lookups)' : undefined;

/** The --id / --name option pair, spread into a task's options. */
export const instanceSelectorOptions = {
  id: { type: 'string', description: 'instance id (i-…)', placeholder: 'ID', validate: instanceId },
  name: { type: 'string', description: 'instance Name tag (EC2 wildcards * and ? allowed)', placeholder: 'NAME' },
} as const satisfies Record<string, OptionSpec>;

/** AMI names: 3-128 characters from this set (EC2's own rule, checked before anything runs). */
export const imageName = (v: string) => (/^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/.test(v) ? undefined : "3-128 letters, digits, spaces and ( ) [ ] . / - ' @ _");

/** The --id / --name option pair for tasks that work on one image. */
export const imageSelectorOptions = {
  id: { type: 'string', description: 'image id (ami-…)', placeholder: 'ID', validate: imageId },
  name: { type: 'string', description: 'image name, among your own images (EC2 wildcards * and ? allowed)', placeholder: 'NAME' },
} as const satisfies Record<string, OptionSpec>;

export const snapshotId = (v: string) => (/^snap-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : 'not a snapshot id (snap-0123abcd…)');
export const volumeId = (v: string) => (/^vol-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : 'not a volume id (vol-0123abcd…)');

// --- security groups ---

export const securityGroupId = (v: string) => (/^sg-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : 'not a security group id (sg-0123abcd…)');

/** EC2's rule for VPC group names: 1-255 of these characters, and no sg- prefix. */
export const securityGroupName = (v: string) =>
  /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/.test(v) && !v.startsWith('sg-')
    ? undefined
    : 'not a security group name (1-255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-)';

export const vpcId = (v: string) => (/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : 'not a VPC id (vpc-0123abcd…)');

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'all'] as const;

export const protocol = (v: string) => (oneOf(PROTOCOLS, v.toLowerCase()) ? undefined : `not a protocol (${PROTOCOLS.join(', ')})`);

/** 80, 8000-8443, the original's 8000..8443, or all. */
export const ports = (v: string) => (v === 'all' ? undefined : portOrRange(v.replace('..', '-')));

const IPV6_CIDR = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:]*\/\d{1,3}$/;

/** A CIDR (IPv4 or IPv6), a group id, a prefix list id, or a group name. */
export const source = (v: string) => {
  if (v.includes('/') && v.includes(':')) return IPV6_CIDR.test(v) ? undefined : 'not an IPv6 CIDR block';
  if (/^[\d.]+(\/.*)?$/.test(v)) {
    const problem = cidr(v);
    return problem && !v.includes('/') ? `${problem} (add /32 for a single address)` : problem;
  }
  if (v.startsWith('sg-')) return securityGroupId(v);
  if (/^pl-[0-9a-f]+$/.test(v)) return undefined;
  return securityGroupName(v) ? 'not a CIDR block, security group id or group name' : undefined;
};

/** The --id / --name option pair, spread into a task's options. */
export const securityGroupSelectorOptions = {
  id: { type: 'string', description: 'security group id (sg-…)', placeholder: 'ID', validate: securityGroupId },
  name: { type: 'string', description: 'security group name (exact)', placeholder: 'NAME' },
} as const satisfies Record<string, OptionSpec>;
