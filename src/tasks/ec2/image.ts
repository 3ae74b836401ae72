// ec2:image:* — machine images (AMIs): list, inspect, find by tag, create from an
// instance, deregister, tag.
import {
  createImage,
  deregisterImage,
  findImage,
  imageDetails,
  imageLabel,
  imagesWithTag,
  listImages,
  waitForImageAvailable,
  type ImageDetails,
} from '../../aws/images.js';
import { tagValue } from '../../aws/ec2.js';
import { resolveInstanceId } from '../../aws/instances.js';
import { applyTag, renderTagResult } from '../../aws/tags.js';
import { UsageError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { positive } from '../../engine/validate.js';
import { imageName, imageSelectorOptions } from './options.js';

export const imageList = defineTask({
  name: 'ec2:image:list',
  summary: 'list available images: id owner arch name, sorted by id',
  args: [],
  options: {
    owner: { type: 'string', description: 'self, amazon, aws-marketplace or an account id', default: 'self', placeholder: 'OWNER' },
    name: { type: 'string', description: 'image name; EC2 wildcards * and ? allowed', placeholder: 'GLOB' },
    arch: { type: 'string', description: 'architecture: x86_64, arm64, i386, …', placeholder: 'ARCH' },
  },
  example: "origin-setup ec2:image:list --owner 125523088429 --name 'Fedora*' --arch x86_64",
  async run(ctx, _args, opts) {
    const images = await listImages(ctx, { owner: opts.owner, name: opts.name, arch: opts.arch });
    ctx.log.verbose(`${images.length} image${images.length === 1 ? '' : 's'}`);
    return images.map((i) => ({ id: i.ImageId!, owner: i.OwnerId ?? '-', arch: i.Architecture ?? '-', name: i.Name ?? '-' }));
  },
  render: (rows) => rows.map((r) => `${r.id} ${r.owner} ${r.arch} ${r.name}`).join('\n') || undefined,
});

export const imageInfo = defineTask({
  name: 'ec2:image:info',
  summary: 'show one image: state, owner, architecture, root device, block devices, tags',
  args: [],
  options: { ...imageSelectorOptions },
  example: 'origin-setup ec2:image:info --name web-base-2024',
  async run(ctx, _args, opts) {
    return imageDetails(await findImage(ctx, opts));
  },
  render: renderImage,
});

function renderImage(d: ImageDetails): string {
  const field = (label: string, value: string | number | undefined) => (value === undefined || value === '' ? [] : [`  ${label}: ${value}`]);
  return [
    `Image: ${d.id}${d.name ? ` (${d.name})` : ''}`,
    ...field('Description', d.description),
    ...field('State', d.state),
    ...field('Type', d.type),
    ...field('Owner', d.owner && (d.ownerAlias ? `${d.owner} (${d.ownerAlias})` : d.owner)),
    ...field('Location', d.location),
    ...field('Architecture', d.architecture),
    ...field('Platform', d.platform),
    ...field('Root device', d.rootDevice && `${d.rootDevice} (${d.rootDeviceType ?? '?'})`),
    ...field('Created', d.created),
    ...d.devices.map(
      (m) =>
        `  Device: ${m.device} ${m.virtualName ?? [m.snapshot ?? '-', m.sizeGiB === undefined ? '' : `${m.sizeGiB} GiB`, m.volumeType ?? ''].filter(Boolean).join(' ')}`,
    ),
    ...Object.entries(d.tags)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `  Tag: ${k}=${v}`),
  ].join('\n');
}

export const imageFind = defineTask({
  name: 'ec2:image:find',
  summary: "list your images that carry tag TAGNAME: id name TAGNAME='value'",
  args: [{ name: 'tagname', description: 'the tag key to look for' }],
  options: {
    tagvalue: { type: 'string', description: 'only images whose tag has this value (wildcards * and ? allowed)', placeholder: 'VALUE' },
  },
  example: 'origin-setup ec2:image:find role --tagvalue puppetmaster',
  async run(ctx, { tagname }, opts) {
    const images = await imagesWithTag(ctx, tagname, opts.tagvalue);
    ctx.log.verbose(`${images.length} image${images.length === 1 ? '' : 's'} with tag ${tagname}`);
    return images.map((i) => ({ id: i.ImageId!, name: i.Name ?? '-', tag: tagname, value: tagValue(i.Tags, tagname) ?? '' }));
  },
  render: (rows) => rows.map((r) => `${r.id} ${r.name} ${r.tag}='${r.value}'`).join('\n') || undefined,
});

export const imageCreate = defineTask({
  name: 'ec2:image:create',
  summary: 'create an image of an instance (id or Name tag) and print its id',
  args: [
    { name: 'instance', description: 'instance id (i-…) or Name tag' },
    { name: 'name', description: 'name of the new image', validate: imageName },
  ],
  options: {
    description: { type: 'string', description: 'description of the new image', placeholder: 'TEXT' },
    wait: { type: 'boolean', description: 'wait until the image is available' },
    timeout: { type: 'number', description: 'seconds to wait with --wait', default: 1800, placeholder: 'SECONDS', validate: positive },
  },
  example: 'AMI=$(origin-setup ec2:image:create puppet puppet-base-2024-06 --wait)',
  async run(ctx, args, opts) {
    const instanceId = await resolveInstanceId(ctx, args.instance);
    const id = await createImage(ctx, { instanceId, name: args.name, description: opts.description });
    ctx.log.verbose(`new image ${id} from ${instanceId}`);
    if (opts.wait) await waitForImageAvailable(ctx, id, `${id} (${args.name})`, opts.timeout);
    return { id, name: args.name, instanceId, state: opts.wait ? 'available' : 'pending' };
  },
  render: (r) => r.id,
});

export const imageDelete = defineTask({
  name: 'ec2:image:delete',
  summary: 'deregister an image (by --id, or --name among your images)',
  args: [],
  options: {
    ...imageSelectorOptions,
    snapshots: { type: 'boolean', description: "also delete the image's EBS snapshots" },
  },
  example: 'origin-setup ec2:image:delete --name puppet-base-2024-06 --snapshots',
  async run(ctx, _args, opts) {
    const image = await findImage(ctx, opts);
    await deregisterImage(ctx, image.ImageId!, opts.snapshots);
    ctx.journal.forget('image', imageLabel(image));
    ctx.log.info(`deregistered image ${imageLabel(image)}${opts.snapshots ? ' and its snapshots' : ''}`);
    return { id: image.ImageId!, name: image.Name };
  },
  render: () => undefined,
});

export const imageTag = defineTask({
  name: 'ec2:image:tag',
  summary: 'print a tag of an image; --value sets it, --delete removes it',
  args: [],
  options: {
    ...imageSelectorOptions,
    tag: { type: 'string', description: 'tag key', required: true, placeholder: 'TAG' },
    value: { type: 'string', description: 'set the tag to this value', placeholder: 'VALUE' },
    delete: { type: 'boolean', description: 'remove the tag' },
  },
  example: 'origin-setup ec2:image:tag --name puppet-base-2024-06 --tag role --value puppetmaster',
  async run(ctx, _args, opts) {
    if (opts.delete && opts.value !== undefined) throw new UsageError('give --value or --delete, not both');
    const image = await findImage(ctx, opts);
    const op = opts.delete
      ? ({ kind: 'remove' } as const)
      : opts.value !== undefined
        ? ({ kind: 'set', value: opts.value } as const)
        : ({ kind: 'get' } as const);
    return applyTag(ctx, { id: image.ImageId!, label: imageLabel(image), tags: image.Tags }, opts.tag, op);
  },
  render: renderTagResult,
});

export const imageTasks: SomeTask[] = [imageList, imageInfo, imageFind, imageCreate, imageDelete, imageTag];
