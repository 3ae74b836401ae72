// Machine images (AMIs): listing with EC2-side filters, finding one by id or name,
// creating one from an instance (journalled) and waiting for it.
import type { Filter, Image } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, UsageError } from '../engine/errors.js';
import { dryRun, mutate } from './ec2.js';
import { runWaiter } from './waiters.js';

export interface ImageSelector {
  id?: string;
  name?: string;
}

export interface ImageQuery {
  /** self, amazon, aws-marketplace or an account id. */
  owner: string;
  /** EC2 wildcards * and ? allowed. */
  name?: string;
  arch?: string;
}

/** Available images matching the query, filtered by EC2 (not here), sorted by id. */
export async function listImages(ctx: Pick<TaskContext, 'aws'>, query: ImageQuery): Promise<Image[]> {
  const filters: Filter[] = [{ Name: 'state', Values: ['available'] }];
  if (query.name) filters.push({ Name: 'name', Values: [query.name] });
  if (query.arch) filters.push({ Name: 'architecture', Values: [query.arch] });
  return sortById(await describeImages(ctx, { Owners: [query.owner], Filters: filters }));
}

/** Your own images carrying tag KEY (with VALUE when given), sorted by id. */
export async function imagesWithTag(ctx: Pick<TaskContext, 'aws'>, key: string, value?: string): Promise<Image[]> {
  const filter: Filter = value === undefined ? { Name: 'tag-key', Values: [key] } : { Name: `tag:${key}`, Values: [value] };
  return sortById(await describeImages(ctx, { Owners: ['self'], Filters: [filter] }));
}

async function describeImages(ctx: Pick<TaskContext, 'aws'>, input: { Owners?: string[]; Filters?: Filter[] }): Promise<Image[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const images: Image[] = [];
  for await (const page of sdk.paginateDescribeImages({ client }, input)) images.push(...(page.Images ?? []));
  return images;
}

function sortById(images: Image[]): Image[] {
  return images.sort((a, b) => (a.ImageId! < b.ImageId! ? -1 : a.ImageId! > b.ImageId! ? 1 : 0));
}

/** One image by id (any owner) or by name (your own images); several or none is an error that lists them. */
export async function findImage(ctx: Pick<TaskContext, 'aws'>, sel: ImageSelector): Promise<Image> {
  if (sel.id) {
    const found = await imageById(ctx, sel.id);
    if (found) return found;
    throw new NotFoundError(`no image ${sel.id}`, { hint: 'origin-setup ec2:image:list --owner OWNER shows the images' });
  }
  if (!sel.name) throw new UsageError('give the image with --id ID or --name NAME');
  const matches = sortById(await describeImages(ctx, { Owners: ['self'], Filters: [{ Name: 'name', Values: [sel.name] }] }));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const list = matches.map((i) => `${i.ImageId} (${i.Name})`).join(', ');
    throw new NotFoundError(`name '${sel.name}' matches ${matches.length} images: ${list}`, { hint: 'use --id' });
  }
  const names = (await describeImages(ctx, { Owners: ['self'] })).map((i) => i.Name ?? i.ImageId!).sort();
  throw new NotFoundError(`you own no image named '${sel.name}'`, {
    hint: names.length ? `your images: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}` : 'you own no images',
  });
}

export async function imageById(ctx: Pick<TaskContext, 'aws'>, id: string): Promise<Image | undefined> {
  const { client, sdk } = await ctx.aws.ec2();
  try {
    const out = await client.send(new sdk.DescribeImagesCommand({ ImageIds: [id] }));
    return out.Images?.[0];
  } catch (err) {
    if (/^InvalidAMIID\./.test((err as Error).name)) return undefined;
    throw err;
  }
}

/** `ami-0abc (name)`. */
export function imageLabel(image: Image): string {
  return image.Name ? `${image.ImageId} (${image.Name})` : image.ImageId!;
}

/**
 * Creates an image of an instance and records it at once, so a failed run deregisters
 * it together with the snapshots EC2 made for it.
 */
export async function createImage(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal'>,
  spec: { instanceId: string; name: string; description?: string },
): Promise<string> {
  const { client, sdk } = await ctx.aws.ec2();
  const out = await mutate(ctx, 'CreateImage', () =>
    client.send(
      new sdk.CreateImageCommand({
        InstanceId: spec.instanceId,
        Name: spec.name,
        ...(spec.description ? { Description: spec.description } : {}),
        ...dryRun(ctx),
      }),
    ),
  );
  const id = out.ImageId!;
  ctx.journal.record({
    kind: 'image',
    id: `${id} (${spec.name})`,
    undo: async () => {
      await client.send(new sdk.DeregisterImageCommand({ ImageId: id, DeleteAssociatedSnapshots: true }));
    },
  });
  return id;
}

export async function waitForImageAvailable(
  ctx: Pick<TaskContext, 'aws' | 'live' | 'log' | 'settings' | 'signal'>,
  id: string,
  label: string,
  timeoutSeconds: number,
): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  const describeNow = async () => {
    const now = await imageById(ctx, id);
    if (!now) return 'EC2 does not know it (yet)';
    const reason = now.StateReason?.Message;
    return `it is ${now.State ?? 'in no state'}${reason ? ` (${reason})` : ''}`;
  };
  ctx.log.verbose(`waiting up to ${timeoutSeconds}s for ${label} to be available`);
  await runWaiter(ctx, { client, what: `${label} to be available`, timeoutSeconds, minDelaySeconds: 15, maxDelaySeconds: 60, describeNow }, (config) =>
    sdk.waitUntilImageAvailable(config, { ImageIds: [id] }),
  );
}

export async function deregisterImage(ctx: Pick<TaskContext, 'aws' | 'dryRun'>, id: string, deleteSnapshots: boolean): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  await mutate(ctx, 'DeregisterImage', () =>
    client.send(new sdk.DeregisterImageCommand({ ImageId: id, ...(deleteSnapshots ? { DeleteAssociatedSnapshots: true } : {}), ...dryRun(ctx) })),
  );
}

export interface ImageDetails {
  id: string;
  name?: string;
  description?: string;
  state?: string;
  type?: string;
  owner?: string;
  ownerAlias?: string;
  location?: string;
  architecture?: string;
  platform?: string;
  rootDevice?: string;
  rootDeviceType?: string;
  created?: string;
  devices: { device: string; snapshot?: string; sizeGiB?: number; volumeType?: string; virtualName?: string }[];
  tags: Record<string, string>;
}

export function imageDetails(image: Image): ImageDetails {
  return {
    id: image.ImageId!,
    name: image.Name,
    description: image.Description,
    state: image.State,
    type: image.ImageType,
    owner: image.OwnerId,
    ownerAlias: image.ImageOwnerAlias,
    location: image.ImageLocation,
    architecture: image.Architecture,
    platform: image.PlatformDetails ?? image.Platform,
    rootDevice: image.RootDeviceName,
    rootDeviceType: image.RootDeviceType,
    created: image.CreationDate,
    devices: (image.BlockDeviceMappings ?? []).map((m) => ({
      device: m.DeviceName!,
      snapshot: m.Ebs?.SnapshotId,
      sizeGiB: m.Ebs?.VolumeSize,
      volumeType: m.Ebs?.VolumeType,
      virtualName: m.VirtualName,
    })),
    tags: Object.fromEntries((image.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])),
  };
}
