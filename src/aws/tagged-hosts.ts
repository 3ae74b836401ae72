// `tag:KEY=VALUE` targets: the live (pending or running) instances with that tag, each
// addressed the way SSH reaches it from here: the public DNS name (or public address
// where the VPC gives no names), or with --internal the private ones.
import type { Instance } from '@aws-sdk/client-ec2';
import type { AwsClients } from './clients.js';
import { tagValue } from './ec2.js';

export interface TaggedHost {
  /** What output lines are labelled with: the address, else the instance. */
  label: string;
  /** The address to connect to; absent when the instance has none of the kind asked for yet. */
  host?: string;
  /** Why there is no address (the unit fails with it, the others go on). */
  problem?: string;
}

const TARGET_STATES = ['pending', 'running'];

export async function hostsTagged(aws: Pick<AwsClients, 'ec2'>, key: string, value: string, internal: boolean): Promise<TaggedHost[]> {
  const { client, sdk } = await aws.ec2();
  const found: Instance[] = [];
  for await (const page of sdk.paginateDescribeInstances(
    { client },
    {
      Filters: [
        { Name: `tag:${key}`, Values: [value] },
        { Name: 'instance-state-name', Values: TARGET_STATES },
      ],
    },
  )) {
    for (const r of page.Reservations ?? []) found.push(...(r.Instances ?? []));
  }
  // A stable order (by Name, then id), so output lines and scripts see the same order each time.
  const name = (i: Instance) => tagValue(i.Tags, 'Name') ?? '';
  found.sort((a, b) => name(a).localeCompare(name(b)) || (a.InstanceId ?? '').localeCompare(b.InstanceId ?? ''));
  return found.map((i) => addressOf(i, internal));
}

export function addressOf(i: Instance, internal: boolean): TaggedHost {
  const host = internal ? i.PrivateDnsName || i.PrivateIpAddress : i.PublicDnsName || i.PublicIpAddress;
  if (host) return { label: host, host };
  const who = name(i);
  return {
    label: who,
    problem: internal
      ? `${who} has no private address yet (${i.State?.Name ?? 'unknown state'})`
      : `${who} has no public DNS name or address (${i.State?.Name ?? 'unknown state'}); --internal uses the private one`,
  };
}

function name(i: Instance): string {
  const n = tagValue(i.Tags, 'Name');
  return n ? `${i.InstanceId} (${n})` : (i.InstanceId ?? 'an instance');
}
