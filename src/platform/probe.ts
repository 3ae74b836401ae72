// The distribution probe: one read-only command per host, so it also runs under
// --dry-run. EL6 and its clones have no /etc/os-release, only /etc/redhat-release.
import { OriginError } from '../engine/errors.js';
import { sh, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import { parseDistribution } from './osrelease.js';
import type { Distribution } from './types.js';

export const OS_RELEASE_PATHS = { osRelease: '/etc/os-release', redhatRelease: '/etc/redhat-release' } as const;

export function distributionProbe(paths: { osRelease: string; redhatRelease: string } = OS_RELEASE_PATHS): ShellCommand {
  return sh`cat ${paths.osRelease} 2>/dev/null || cat ${paths.redhatRelease}`;
}

export async function probeDistribution(host: RemoteHost, probe: ShellCommand = distributionProbe()): Promise<Distribution> {
  const r = await host.run(probe, { readOnly: true, allowExit: 'any' });
  const d = r.code === 0 ? parseDistribution(r.stdout) : undefined;
  if (!d) {
    throw new OriginError(`${host.name}: cannot tell the distribution`, {
      hint:
        r.code === 0
          ? `neither ${OS_RELEASE_PATHS.osRelease} nor ${OS_RELEASE_PATHS.redhatRelease} names a known system`
          : `neither ${OS_RELEASE_PATHS.osRelease} nor ${OS_RELEASE_PATHS.redhatRelease} is readable: ${r.stderr.slice(-1).join('')}`,
    });
  }
  return d;
}
