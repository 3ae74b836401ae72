// An instance as the ec2:instance tasks show it: the SDK's Instance reduced to the
// fields an operator asks about, with stable names for --json.
import type { Instance } from '@aws-sdk/client-ec2';
import { tagValue } from './ec2.js';
import { stateReason } from './instance-state.js';

export interface InstanceDetails {
  id: string;
  name?: string;
  state?: string;
  stateReason?: string;
  type?: string;
  image?: string;
  keyName?: string;
  dnsName?: string;
  publicIp?: string;
  privateIp?: string;
  privateDnsName?: string;
  availabilityZone?: string;
  launchTime?: string;
  securityGroups: string[];
  devices: { device: string; volumeId?: string }[];
  /** The instance metadata service: whether tokens (IMDSv2) are required. */
  metadata?: { httpTokens?: string; httpEndpoint?: string; hopLimit?: number };
  tags: Record<string, string>;
}

/** EC2 answers "" rather than nothing for a missing DNS name. */
const present = (v: string | undefined) => (v ? v : undefined);

export function instanceDetails(i: Instance): InstanceDetails {
  return {
    id: i.InstanceId!,
    name: tagValue(i.Tags, 'Name'),
    state: i.State?.Name,
    stateReason: stateReason(i),
    type: i.InstanceType,
    image: i.ImageId,
    keyName: i.KeyName,
    dnsName: present(i.PublicDnsName),
    publicIp: present(i.PublicIpAddress),
    privateIp: present(i.PrivateIpAddress),
    privateDnsName: present(i.PrivateDnsName),
    availabilityZone: i.Placement?.AvailabilityZone,
    launchTime: i.LaunchTime instanceof Date ? i.LaunchTime.toISOString() : undefined,
    securityGroups: (i.SecurityGroups ?? []).map((g) => g.GroupName ?? g.GroupId!),
    devices: (i.BlockDeviceMappings ?? []).map((m) => ({ device: m.DeviceName!, volumeId: m.Ebs?.VolumeId })),
    ...(i.MetadataOptions
      ? {
          metadata: {
            httpTokens: i.MetadataOptions.HttpTokens,
            httpEndpoint: i.MetadataOptions.HttpEndpoint,
            hopLimit: i.MetadataOptions.HttpPutResponseHopLimit,
          },
        }
      : {}),
    tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])),
  };
}
