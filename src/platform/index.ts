// platformOf(ctx, host): the host's distribution and command families, probed once
// per host per run (ctx.memo), whichever task asks first.
import type { TaskContext } from '../engine/context.js';
import { buildPlatform } from './families.js';
import { probeDistribution } from './probe.js';
import type { Distribution, Platform } from './types.js';

export type * from './types.js';
export { buildPlatform, chooseFamilies, familyOf } from './families.js';
export { distributionLabel, parseDistribution } from './osrelease.js';

export function distributionOf(ctx: TaskContext, host: string): Promise<Distribution> {
  return ctx.memo(`platform:distribution:${host}`, async () => probeDistribution(await ctx.ssh(host)));
}

export function platformOf(ctx: TaskContext, host: string): Promise<Platform> {
  return ctx.memo(`platform:${host}`, async () => buildPlatform(await distributionOf(ctx, host)));
}
