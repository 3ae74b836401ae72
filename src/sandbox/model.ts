// The sandbox's world as data: what an embedded EC2 and Route53 hold between commands.
// It is kept in one JSON file (src/sandbox/store.ts) and changed only by the request
// handlers (src/sandbox/ec2/*, src/sandbox/route53/*), each of which gets the whole state,
// changes it in place and says what to answer. Times are epoch milliseconds of the real
// clock; how fast things move is the handlers' business (SandboxClock).

/** Bumped when the shape changes; a newer file is refused, never overwritten. */
export const SANDBOX_FORMAT = 1;

export interface Tag {
  key: string;
  value: string;
}

export interface SandboxImage {
  id: string;
  name: string;
  description?: string;
  ownerId: string;
  architecture: 'x86_64' | 'arm64';
  platformDetails: string;
  rootDeviceName: string;
  /** GiB of the root device's snapshot. */
  rootSizeGiB: number;
  rootSnapshotId?: string;
  /** The root snapshot's volume type (gp2 when absent, as older images have). */
  rootVolumeType?: string;
  state: 'pending' | 'available' | 'deregistered';
  public: boolean;
  creationDate: string;
  /** When a pending image (CreateImage) becomes available. */
  availableAt?: number;
  tags: Tag[];
}

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface SandboxInstance {
  id: string;
  /** Instances launched by one RunInstances share it (r-…). */
  reservationId?: string;
  imageId: string;
  type: string;
  keyName?: string;
  state: InstanceState;
  /** When the current transitional state (pending, stopping, shutting-down) ends. */
  transitionAt?: number;
  launchTime: string;
  privateIp: string;
  /** Public address while running: the auto-assigned one or an associated elastic IP. */
  publicIp?: string;
  securityGroupIds: string[];
  userData?: string;
  clientToken?: string;
  metadataHttpTokens: 'required' | 'optional';
  /** MetadataOptions.HttpPutResponseHopLimit (1 when absent) and HttpEndpoint (enabled when absent). */
  metadataHopLimit?: number;
  metadataHttpEndpoint?: 'enabled' | 'disabled';
  rootVolumeId: string;
  stateReason?: { code: string; message: string };
  tags: Tag[];
}

export interface SandboxAddress {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  instanceId?: string;
  tags: Tag[];
}

export interface SandboxRule {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
  groupIds: string[];
  ipv6Cidrs?: string[];
  prefixListIds?: string[];
}

export interface SandboxSecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: SandboxRule[];
  egress: SandboxRule[];
  tags: Tag[];
}

export interface SandboxVolume {
  id: string;
  sizeGiB: number;
  type: string;
  encrypted: boolean;
  snapshotId?: string;
  state: 'creating' | 'available' | 'in-use' | 'deleting';
  attachment?: { instanceId: string; device: string; deleteOnTermination: boolean };
  createTime: string;
  tags: Tag[];
}

export interface SandboxSnapshot {
  id: string;
  volumeId: string;
  sizeGiB: number;
  description: string;
  state: 'pending' | 'completed';
  startTime: string;
  ownerId: string;
  tags: Tag[];
}

export interface SandboxKeyPair {
  name: string;
  id: string;
  fingerprint: string;
}

export interface SandboxRecord {
  /** Absolute, lower case, with the final dot: `www.example.test.` */
  name: string;
  type: string;
  ttl: number;
  values: string[];
}

export interface SandboxZone {
  /** Without the `/hostedzone/` prefix: Z0123… */
  id: string;
  /** With the final dot: `example.test.` */
  name: string;
  callerReference: string;
  comment?: string;
  privateZone: boolean;
  /** The VPCs a private zone is associated with (Route53 half; absent for public zones). */
  vpcs?: { id: string; region: string }[];
  records: SandboxRecord[];
}

export interface SandboxChange {
  /** Without the `/change/` prefix. */
  id: string;
  submittedAt: string;
  /** When PENDING turns INSYNC. */
  insyncAt: number;
  /** The change batch's Comment, echoed in ChangeInfo as Route53 does (Route53 half). */
  comment?: string;
}

export interface SandboxState {
  format: typeof SANDBOX_FORMAT;
  /** The account id the sandbox pretends to be. */
  accountId: string;
  region: string;
  /** Counters for new ids, so ids never repeat within a sandbox. */
  serial: number;
  ec2: {
    images: SandboxImage[];
    instances: SandboxInstance[];
    addresses: SandboxAddress[];
    securityGroups: SandboxSecurityGroup[];
    volumes: SandboxVolume[];
    snapshots: SandboxSnapshot[];
    keyPairs: SandboxKeyPair[];
  };
  route53: {
    zones: SandboxZone[];
    changes: SandboxChange[];
  };
}

/**
 * How fast the sandbox's world moves: `scale` multiplies every delay (1 feels real but
 * short, 0 is instant, from ORIGIN_SETUP_SANDBOX_SPEED).
 */
export interface SandboxClock {
  now(): number;
  scale: number;
}

/** What a handler answers: the HTTP status, the XML body (and extra headers, if any). */
export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A new id of AWS's shape: `i-` + 17 hex digits, `eipalloc-` + 17, `Z` + 20 upper-case, … */
export function nextId(state: SandboxState, prefix: string, length = 17, upper = false): string {
  state.serial += 1;
  const hex = state.serial.toString(16).padStart(length, '0').slice(-length);
  return `${prefix}${upper ? hex.toUpperCase() : hex}`;
}
