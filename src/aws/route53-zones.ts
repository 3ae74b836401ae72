// Route53 hosted zones: listing them (once per run), one zone's detail, finding a zone
// by name or id as a user gives it, the zones that contain a name, and creating one.
import type { HostedZone, VPC } from '@aws-sdk/client-route-53';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError } from '../engine/errors.js';
import { absolute, bareZoneId, inZone, ZONE_PREFIX } from './route53-names.js';

export interface Zone {
  /** Bare id, without the `/hostedzone/` prefix. */
  id: string;
  /** Lower case, with the trailing dot. */
  name: string;
  records: number;
  private: boolean;
}

export interface ZoneDetail extends Zone {
  comment?: string;
  nameServers: string[];
  vpcs: string[];
}

function toZone(z: HostedZone): Zone {
  return {
    id: bareZoneId(z.Id!),
    name: absolute(z.Name!),
    records: z.ResourceRecordSetCount ?? 0,
    private: Boolean(z.Config?.PrivateZone),
  };
}

function zoneLabel(z: Zone): string {
  return `${z.id} (${z.name}, ${z.private ? 'private' : 'public'})`;
}

/** Every hosted zone of the account, all pages; fetched once per run. */
export function listZones(ctx: Pick<TaskContext, 'aws' | 'memo'>): Promise<Zone[]> {
  return ctx.memo('route53:hostedzones', async () => {
    const { client, sdk } = await ctx.aws.route53();
    const zones: Zone[] = [];
    for await (const page of sdk.paginateListHostedZones({ client }, {})) {
      zones.push(...(page.HostedZones ?? []).map(toZone));
    }
    return zones;
  });
}

/** GetHostedZone: the zone with its name servers (public) or VPCs (private). */
export function zoneDetail(ctx: Pick<TaskContext, 'aws' | 'memo'>, id: string): Promise<ZoneDetail> {
  const bare = bareZoneId(id);
  return ctx.memo(`route53:hostedzone:${bare}`, async () => {
    const { client, sdk } = await ctx.aws.route53();
    const out = await client.send(new sdk.GetHostedZoneCommand({ Id: bare }));
    return {
      ...toZone(out.HostedZone!),
      ...(out.HostedZone?.Config?.Comment ? { comment: out.HostedZone.Config.Comment } : {}),
      nameServers: out.DelegationSet?.NameServers ?? [],
      vpcs: (out.VPCs ?? []).map((v: VPC) => `${v.VPCId} (${v.VPCRegion})`),
    };
  });
}

function looksLikeZoneId(v: string): boolean {
  return ZONE_PREFIX.test(v) || /^Z[A-Z0-9]{4,31}$/.test(v);
}

/** Creates a public hosted zone; the caller reference makes an SDK retry harmless. */
export async function createZone(ctx: Pick<TaskContext, 'aws'>, name: string): Promise<{ id: string; name: string }> {
  const { client, sdk } = await ctx.aws.route53();
  const out = await client.send(new sdk.CreateHostedZoneCommand({ Name: absolute(name), CallerReference: crypto.randomUUID() }));
  return { id: bareZoneId(out.HostedZone!.Id!), name: out.HostedZone!.Name! };
}

const zoneListHint = 'origin-setup route53:zone:list shows the hosted zones';

/**
 * ZONE as a user gives it: `example.com`, `example.com.`, `Z0123ABC` or
 * `/hostedzone/Z0123ABC`. A name shared by a public and a private zone is ambiguous
 * and asks for the id.
 */
export async function resolveZone(ctx: Pick<TaskContext, 'aws' | 'memo' | 'log' | 'settings'>, nameOrId: string): Promise<Zone> {
  if (looksLikeZoneId(nameOrId)) {
    try {
      const zone = await zoneDetail(ctx, nameOrId);
      ctx.log.verbose(`zone ${zone.id} is ${zone.name}`);
      return zone;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'NoSuchHostedZone' && name !== 'InvalidInput') throw err;
      if (ZONE_PREFIX.test(nameOrId)) throw new NotFoundError(`no hosted zone ${bareZoneId(nameOrId)}`, { hint: zoneListHint });
      // An all-capitals single label may still be a zone's name; look for it by name.
    }
  }
  const wanted = absolute(nameOrId);
  const zones = await listZones(ctx);
  const matches = zones.filter((z) => z.name === wanted);
  if (matches.length === 1) {
    ctx.log.verbose(`zone ${wanted} is ${matches[0]!.id}`);
    return matches[0]!;
  }
  if (matches.length > 1) {
    throw new NotFoundError(`zone name ${wanted} matches ${matches.length} hosted zones: ${matches.map(zoneLabel).join(', ')}`, {
      hint: 'give the zone id instead of its name',
    });
  }
  const names = zones.map((z) => z.name);
  const known = names.length ? `zones: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}` : 'this account has no hosted zones';
  throw new NotFoundError(`no hosted zone ${looksLikeZoneId(nameOrId) ? bareZoneId(nameOrId) : wanted}`, {
    hint:
      ctx.settings.sandbox && !looksLikeZoneId(nameOrId)
        ? `${known}; add it with: origin-setup --sandbox route53:zone:create ${wanted.replace(/\.$/, '')}`
        : known,
  });
}

/** Most specific first; for one name, public before private, then by id, so the order is stable. */
export function orderBySpecificity(zones: readonly Zone[]): Zone[] {
  const labels = (z: Zone) => z.name.split('.').length;
  return [...zones].sort((a, b) => labels(b) - labels(a) || Number(a.private) - Number(b.private) || a.id.localeCompare(b.id));
}

/** The hosted zones that could hold `fqdn`, longest match first. */
export async function zonesContaining(ctx: Pick<TaskContext, 'aws' | 'memo'>, fqdn: string): Promise<Zone[]> {
  return orderBySpecificity((await listZones(ctx)).filter((z) => inZone(fqdn, z.name)));
}
