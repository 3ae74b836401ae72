// route53:zone:* — hosted zones: list them, describe one, find the ones that hold a name.
import { absolute, listZones, recordName, resolveZone, zoneDetail, zonesContaining } from '../../aws/route53.js';
import { NotFoundError } from '../../engine/errors.js';
import { defineTask, type AnyTask } from '../../engine/task.js';

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
      throw new NotFoundError(`no hosted zone contains ${absolute(fqdn)}`, {
        hint: 'origin-setup route53:zone:list shows the hosted zones',
      });
    }
    return all ? zones : zones.slice(0, 1);
  },
  render: (zones) => zones.map((z) => `${z.id} ${z.name}`).join('\n'),
});

export const zoneTasks: AnyTask[] = [zoneList, zoneInfo, zoneContains];
