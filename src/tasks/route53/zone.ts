// route53:zone:* — hosted zones: list them, describe one, find the ones that hold a name.
import { absolute } from '../../aws/route53-names.js';
import { createZone, listZones, resolveZone, zoneDetail, zonesContaining } from '../../aws/route53-zones.js';
import { NotFoundError, UsageError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { recordName } from '../../engine/validate.js';

const zoneArg = { name: 'zone', description: 'zone name (with or without the trailing dot) or zone id' } as const;

export const zoneList = defineTask({
  name: 'route53:zone:list',
  summary: 'list the hosted zones: id name records',
  args: [],
  options: {},
  example: 'origin-setup route53:zone:list',
  run: (ctx) => listZones(ctx),
  render: (zones) => zones.map((z) => `${z.id} ${z.name} ${z.records}`).join('\n'),
});

export const zoneInfo = defineTask({
  name: 'route53:zone:info',
  summary: 'show a hosted zone: id, name, record count, public or private, name servers',
  args: [zoneArg],
  options: {},
  example: 'origin-setup route53:zone:info example.com',
  async run(ctx, { zone }) {
    return zoneDetail(ctx, (await resolveZone(ctx, zone)).id);
  },
  render: (z) =>
    [
      `id ${z.id}`,
      `name ${z.name}`,
      `records ${z.records}`,
      `type ${z.private ? 'private' : 'public'}`,
      ...(z.comment ? [`comment ${z.comment}`] : []),
      ...(z.private ? [`vpcs ${z.vpcs.join(' ')}`] : [`nameservers ${z.nameServers.join(' ')}`]),
    ].join('\n'),
});

export const zoneContains = defineTask({
  name: 'route53:zone:contains',
  summary: 'the hosted zone that holds a name (most specific first; --all for every one)',
  args: [{ name: 'fqdn', description: 'fully qualified host name', validate: recordName }],
  options: {
    all: { type: 'boolean', description: 'list every containing zone, most specific first' },
  },
  example: 'origin-setup route53:zone:contains puppet.infra.example.org --all',
  async run(ctx, { fqdn }, { all }) {
    const zones = await zonesContaining(ctx, fqdn);
    if (zones.length === 0) {
      const parent = absolute(fqdn).split('.').slice(1).join('.');
      throw new NotFoundError(`no hosted zone contains ${absolute(fqdn)}`, {
        hint: ctx.settings.sandbox
          ? `the sandbox has example.test.; add another zone with: origin-setup --sandbox route53:zone:create ${parent || absolute(fqdn)}`
          : 'origin-setup route53:zone:list shows the hosted zones',
      });
    }
    return all ? zones : zones.slice(0, 1);
  },
  render: (zones) => zones.map((z) => `${z.id} ${z.name}`).join('\n'),
});

export const zoneCreate = defineTask({
  name: 'route53:zone:create',
  summary: 'create a public hosted zone (in the sandbox only) and print its id',
  args: [{ name: 'zone', description: 'the zone name, e.g. example.org', validate: recordName }],
  options: {},
  example: 'origin-setup --sandbox route53:zone:create example.org',
  async run(ctx, { zone }) {
    // A real zone is delegated from its parent by hand and billed monthly: that stays a
    // deliberate act in the console or the AWS CLI. The sandbox needs zones to play with.
    if (!ctx.settings.sandbox) {
      throw new UsageError('route53:zone:create works in the sandbox only', {
        hint: 'create real hosted zones in the AWS console or with the AWS CLI; try it here with --sandbox',
      });
    }
    return createZone(ctx, zone);
  },
  render: (z) => `${z.id} ${z.name}`,
});

export const zoneTasks: SomeTask[] = [zoneList, zoneInfo, zoneContains, zoneCreate];
