// Options that both ec2:instance:create and origin:baseinstance take, spelled once.
import type { OptionSpec } from '../../engine/task.js';

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
