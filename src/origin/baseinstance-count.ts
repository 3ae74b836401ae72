// `origin:baseinstance NAME --count N`: N instances NAME1…NAMEN launched at once, each
// with its FQDN under one zone. Each is a run of its own (the runner's many-host mode),
// so an instance that fails removes only what it created and the others stay.
import { UsageError } from '../engine/errors.js';
import { DEFAULT_MAX_HOSTS, type FleetUnit } from '../engine/fleet.js';
import type { FanOut, OptionSpec } from '../engine/task.js';
import { hostname } from '../engine/validate.js';

export const countOptions = {
  count: {
    type: 'number',
    description: 'launch N instances NAME1…NAMEN at once, each all or nothing; they need --domain (or --hostname for its zone)',
    placeholder: 'N',
    validate: (n: number) => (Number.isInteger(n) && n >= 1 && n <= DEFAULT_MAX_HOSTS ? undefined : `a whole number from 1 to ${DEFAULT_MAX_HOSTS}`),
  },
  domain: {
    type: 'string',
    description: 'the zone the instance is named in: NAME.ZONE (NAMEi.ZONE with --count)',
    placeholder: 'ZONE',
    validate: hostname,
  },
} as const satisfies Record<string, OptionSpec>;

export interface CountChoices {
  count?: number;
  domain?: string;
  hostname?: string;
  ipaddress?: string;
}

/** The FQDN of a single instance: --hostname, or NAME.ZONE with --domain. */
export function singleHostname(name: string, c: CountChoices): string | undefined {
  if (c.domain !== undefined && c.hostname !== undefined) {
    throw new UsageError('give --hostname FQDN or --domain ZONE, not both');
  }
  return c.hostname ?? (c.domain !== undefined ? `${name}.${zoneName(c.domain)}` : undefined);
}

export function baseinstanceFanOut(name: string, c: CountChoices): FanOut | undefined {
  if (c.count === undefined) return undefined;
  if (c.ipaddress !== undefined) throw new UsageError('--ipaddress names one address; it cannot go with --count');
  if (c.domain !== undefined && c.hostname !== undefined) throw new UsageError('give --domain ZONE or --hostname FQDN (for its zone), not both');
  const zone = c.domain !== undefined ? zoneName(c.domain) : c.hostname !== undefined ? zoneOf(c.hostname) : undefined;
  if (zone === undefined) throw new UsageError('--count names each instance NAMEi.ZONE: give --domain ZONE');
  const units: FleetUnit[] = [];
  for (let i = 1; i <= c.count; i++) {
    const label = `${name}${i}`;
    units.push({ label, words: [label], options: { count: undefined, domain: undefined, hostname: `${label}.${zone}` } });
  }
  return { expression: `${name} --count ${c.count} (under ${zone})`, units };
}

function zoneName(domain: string): string {
  return domain.replace(/\.$/, '');
}

function zoneOf(fqdn: string): string {
  const dot = fqdn.replace(/\.$/, '').indexOf('.');
  if (dot < 0) throw new UsageError(`--hostname ${fqdn} has no zone to put the --count instances in: give --domain ZONE`);
  return fqdn.replace(/\.$/, '').slice(dot + 1);
}
