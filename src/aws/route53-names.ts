// Route53 names, with no AWS call: the absolute lower-case form, Route53's octal escapes,
// the bare zone id, and turning a host part into an FQDN inside a zone (and back).
import { UsageError } from '../engine/errors.js';
import type { Zone } from './route53-zones.js';

export const ZONE_PREFIX = /^\/?hostedzone\//i;

/** `example.com` → `example.com.`; lower case, since DNS names compare case-insensitively. */
export function absolute(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Route53 returns some characters (such as `*`) as octal escapes: `\052.example.com.`. */
export function decodeName(name: string): string {
  return name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function bareZoneId(id: string): string {
  return id.replace(ZONE_PREFIX, '');
}

/** Whether `fqdn` is `zoneName` or below it, on a label boundary (`ample.com.` does not hold `example.com.`). */
export function inZone(fqdn: string, zoneName: string): boolean {
  const name = absolute(fqdn);
  const zone = absolute(zoneName);
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * NAME inside a zone as an FQDN with the trailing dot: a host part (`www`, `a.b`), `@`
 * for the apex, or a name already inside the zone (`www.example.com`, with or without
 * the dot). A name with a trailing dot outside the zone is a usage error.
 */
export function fqdnIn(zone: Pick<Zone, 'name'>, name: string): string {
  const zoneName = absolute(zone.name);
  if (name === '@') return zoneName;
  if (name.endsWith('.')) {
    if (!inZone(name, zoneName)) throw new UsageError(`${name} is not inside zone ${zoneName}`);
    return absolute(name);
  }
  const lower = name.toLowerCase();
  if (inZone(lower, zoneName)) return absolute(lower);
  return `${lower}.${zoneName}`;
}

/** The host part of an FQDN in its zone (`puppet.infra.example.org.` → `puppet`; the apex → `@`). */
export function hostPart(zone: Pick<Zone, 'name'>, fqdn: string): string {
  const name = absolute(fqdn);
  const zoneName = absolute(zone.name);
  return name === zoneName ? '@' : name.slice(0, -zoneName.length - 1);
}
