// What a new sandbox holds before the first command: public images (the 2013 Fedora images
// the original's posts use, with their real ids, and current Fedora, Debian, Ubuntu,
// AlmaLinux and Amazon Linux ones with made-up ids of AWS's shape), each with the snapshot
// it is made of, the default VPC's `default` security group and one key pair.
import { createHash } from 'node:crypto';
import type { SandboxImage, SandboxState } from '../model.js';
import { nextId } from '../model.js';

/** The key pair every sandbox has; RunInstances' KeyName may name it. */
export const SANDBOX_KEY_NAME = 'sandbox';

/** Fedora's own account, which published the images the original's posts launch. */
export const FEDORA_OWNER = '125523088429';

interface SeedImage extends Omit<SandboxImage, 'state' | 'public' | 'tags' | 'rootSnapshotId'> {
  snapshotId: string;
}

const SEED_IMAGES: readonly SeedImage[] = [
  {
    id: 'ami-2509664c',
    name: 'Fedora-x86_64-17-1-sda',
    description: 'Fedora 17 x86_64',
    ownerId: FEDORA_OWNER,
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 2,
    rootVolumeType: 'standard',
    creationDate: '2012-05-29T12:00:00.000Z',
    snapshotId: 'snap-1d5c4f6a',
  },
  {
    id: 'ami-b71078de',
    name: 'Fedora-x86_64-18-20130521-sda',
    description: 'Fedora 18 x86_64',
    ownerId: FEDORA_OWNER,
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 2,
    rootVolumeType: 'standard',
    creationDate: '2013-05-21T12:00:00.000Z',
    snapshotId: 'snap-7a2e8c31',
  },
  {
    id: 'ami-6f3b5006',
    name: 'Fedora-x86_64-19-Beta-20130523-sda',
    description: 'Fedora 19 Beta x86_64',
    ownerId: FEDORA_OWNER,
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 2,
    rootVolumeType: 'standard',
    creationDate: '2013-05-23T12:00:00.000Z',
    snapshotId: 'snap-b04d91e7',
  },
  {
    id: 'ami-0c7f2b9e41d5a3860',
    name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-42-1.1-hvm-us-east-1-gp3-0',
    description: 'Fedora Cloud Base 42 x86_64',
    ownerId: FEDORA_OWNER,
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 5,
    rootVolumeType: 'gp3',
    creationDate: '2025-04-14T09:21:37.000Z',
    snapshotId: 'snap-04e1a9c7d2b836f05',
  },
  {
    id: 'ami-0a93d6e2f7c15b482',
    name: 'Fedora-Cloud-Base-AmazonEC2.aarch64-42-1.1-hvm-us-east-1-gp3-0',
    description: 'Fedora Cloud Base 42 aarch64',
    ownerId: FEDORA_OWNER,
    architecture: 'arm64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 5,
    rootVolumeType: 'gp3',
    creationDate: '2025-04-14T09:24:02.000Z',
    snapshotId: 'snap-0b57f3e19a6c2d840',
  },
  {
    id: 'ami-064e8b1d93fa5c270',
    name: 'debian-12-amd64-20250428-2096',
    description: 'Debian 12 (20250428-2096)',
    ownerId: '136693071363',
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/xvda',
    rootSizeGiB: 8,
    rootVolumeType: 'gp2',
    creationDate: '2025-04-28T21:40:11.000Z',
    snapshotId: 'snap-0e2c84b71f5a93d06',
  },
  {
    id: 'ami-0f9de6e2d2f067fca',
    name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250516',
    description: 'Canonical, Ubuntu, 24.04, amd64 noble image',
    ownerId: '099720109477',
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 8,
    rootVolumeType: 'gp3',
    creationDate: '2025-05-16T07:03:52.000Z',
    snapshotId: 'snap-03a7c5e90b1d4f628',
  },
  {
    id: 'ami-05d1f8a3c6b9e7024',
    name: 'AlmaLinux OS 9.5.20241203 x86_64',
    description: 'Official AlmaLinux OS 9.5 x86_64 image',
    ownerId: '764336703387',
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/sda1',
    rootSizeGiB: 10,
    rootVolumeType: 'gp3',
    creationDate: '2024-12-03T15:12:45.000Z',
    snapshotId: 'snap-0d8b26f4e7a1c3059',
  },
  {
    id: 'ami-0953476d60561c955',
    name: 'al2023-ami-2023.7.20250512.0-kernel-6.1-x86_64',
    description: 'Amazon Linux 2023 AMI 2023.7.20250512.0 x86_64 HVM kernel-6.1',
    ownerId: '137112412989',
    architecture: 'x86_64',
    platformDetails: 'Linux/UNIX',
    rootDeviceName: '/dev/xvda',
    rootSizeGiB: 8,
    rootVolumeType: 'gp3',
    creationDate: '2025-05-12T19:11:25.000Z',
    snapshotId: 'snap-0f4e1b72c9d35a608',
  },
];

/** Fills in what a new sandbox's EC2 has; what is already there is left alone. */
export function seedEc2(state: SandboxState): void {
  const ec2 = state.ec2;
  for (const { snapshotId, ...image } of SEED_IMAGES) {
    if (ec2.images.some((i) => i.id === image.id)) continue;
    ec2.images.push({ ...image, rootSnapshotId: snapshotId, state: 'available', public: true, tags: [] });
    if (!ec2.snapshots.some((s) => s.id === snapshotId)) {
      ec2.snapshots.push({
        id: snapshotId,
        // What EC2 shows as the volume of a snapshot from another account.
        volumeId: 'vol-ffffffff',
        sizeGiB: image.rootSizeGiB,
        description: `${image.name} root`,
        state: 'completed',
        startTime: image.creationDate,
        ownerId: image.ownerId,
        tags: [],
      });
    }
  }
  if (!ec2.securityGroups.some((g) => g.name === 'default')) {
    const vpcId = nextId(state, 'vpc-');
    const id = nextId(state, 'sg-');
    ec2.securityGroups.push({
      id,
      name: 'default',
      description: 'default VPC security group',
      vpcId,
      // EC2's default group: its members reach each other, and anything may go out.
      ingress: [{ protocol: '-1', cidrs: [], groupIds: [id] }],
      egress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'], groupIds: [] }],
      tags: [],
    });
  }
  if (!ec2.keyPairs.some((k) => k.name === SANDBOX_KEY_NAME)) {
    const digest = createHash('sha1').update(`${state.accountId}/${SANDBOX_KEY_NAME}`).digest('hex');
    ec2.keyPairs.push({
      name: SANDBOX_KEY_NAME,
      id: nextId(state, 'key-'),
      fingerprint: digest.match(/../g)!.join(':'),
    });
  }
}
