// Adding the package repository of OpenVox or Puppet Core to a host: one small release
// package drops the repository definition and its signing key in place. The
// distribution's own packages need nothing added. Puppet Core's repositories want the
// user `forge-key` with a Forge API key as the password; the key travels to the host
// only as the content of a root-only file, never on a command line.
import type { TaskContext } from '../engine/context.js';
import { OriginError } from '../engine/errors.js';
import { platformOf } from '../platform/index.js';
import { distributionLabel } from '../platform/osrelease.js';
import type { Platform } from '../platform/types.js';
import { cmd } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import { publishedMajors, repositoryPlan, SOURCE_LABEL, type PuppetSource, type ReleasePackage } from './sources.js';

export type RepoResult =
  | { host: string; kind: 'release-package'; source: PuppetSource; package: string; url: string; added: boolean }
  | { host: string; kind: 'distribution'; reason: string; added: false };

/** The Forge key for Puppet Core: PUPPET_CORE_KEY, else PuppetCoreKey in the awscred file. */
export function forgeKey(ctx: TaskContext): string {
  const key = ctx.settings.env.PUPPET_CORE_KEY?.trim() || ctx.settings.awscred()?.puppetCoreKey;
  if (!key) {
    throw new OriginError('Puppet Core needs a Forge API key, and none is configured', {
      hint: 'put PuppetCoreKey=KEY in your awscred file (~/.awscred), or set the environment variable PUPPET_CORE_KEY; or use --source openvox',
    });
  }
  ctx.redact(key);
  return key;
}

/** The release package of SOURCE and MAJOR for the host, or an error naming what is published. */
export function releaseFor(platform: Platform, source: 'openvox' | 'puppetcore', major: number): ReleasePackage {
  const plan = repositoryPlan(source, major, platform.distro);
  if (plan?.release) return plan.release;
  const majors = publishedMajors(source, platform.distro);
  throw new OriginError(`${SOURCE_LABEL[source]} publishes no Puppet ${major} packages for ${distributionLabel(platform.distro)}`, {
    hint: majors.length ? `it publishes ${majors.join(' and ')} there: --puppet ${majors[0]}` : 'use --source distribution, or another source',
  });
}

/**
 * Adds the repository on the host: the release package through the host's package
 * manager (yum/dnf take the URL; a .deb is fetched on the host and installed with
 * apt-get, whose install refreshes the package lists). Already installed: nothing to do,
 * but Puppet Core's credentials are written again (the key may have changed).
 */
export async function addPuppetRepo(ctx: TaskContext, hostName: string, o: { source: PuppetSource; major: number }): Promise<RepoResult> {
  const platform = await platformOf(ctx, hostName);
  if (o.source === 'distribution') {
    const reason = `${platform.label} installs Puppet from its own repositories`;
    ctx.log.info(`${reason}: no repository to add`);
    return { host: hostName, kind: 'distribution', reason, added: false };
  }
  const release = releaseFor(platform, o.source, o.major);
  const key = release.forgeKey ? forgeKey(ctx) : undefined;
  const host = await ctx.ssh(hostName);
  const result = { host: hostName, kind: 'release-package' as const, source: o.source, package: release.package, url: release.url };
  const installed = await host.run(platform.packages.version(release.package), { readOnly: true, allowExit: 'any' });
  if (installed.code !== 0) {
    if (release.format === 'rpm') {
      await host.run(platform.packages.install([release.url]), { sudo: true });
    } else {
      const file = release.url.slice(release.url.lastIndexOf('/') + 1);
      await host.run(cmd('sh', '-c', FETCH_DEB, 'sh', release.url, file), { sudo: true });
      await host.run(platform.packages.install([`${DEB_CACHE}/${file}`]), { sudo: true });
    }
  } else ctx.log.info(`${release.package} is already installed on ${hostName}`);
  if (key !== undefined) await writeForgeCredentials(host, release, key);
  return { ...result, added: installed.code !== 0 };
}

// Fetched on the host (wget or curl, whichever it has) into a root-owned cache
// directory; apt-get installs a local .deb given by path.
const DEB_CACHE = '/var/cache/origin-setup';
const FETCH_DEB = `mkdir -p ${DEB_CACHE} && { wget -q -O ${DEB_CACHE}/"$2" "$1" || curl -fsSL -o ${DEB_CACHE}/"$2" "$1"; }`;

/** apt reads per-host credentials from auth.conf.d (netrc format, root-only), in the file Puppet's documentation names. */
export function aptAuthFile(release: ReleasePackage): { path: string; content: (key: string) => string } {
  return {
    path: '/etc/apt/auth.conf.d/apt-puppetcore-puppet.conf',
    content: (key) => `machine ${release.repoHost}\nlogin forge-key\npassword ${key}\n`,
  };
}

// yum and dnf take username= and password= in each section of the release package's own
// .repo file. The key is read from a root-only file by awk, so it is on no command line;
// lines from an earlier run are replaced, not added again.
const YUM_CREDENTIALS = `set -e; k="$1"; shift; for f in $(rpm -ql "$1" | grep '[.]repo$'); do awk -v keyfile="$k" 'BEGIN { getline key < keyfile } /^(username|password)=/ { next } { print } /^\\[/ { print "username=forge-key"; print "password=" key }' "$f" > "$f.new"; chmod 600 "$f.new"; mv "$f.new" "$f"; done; rm -f "$k"`;

async function writeForgeCredentials(host: RemoteHost, release: ReleasePackage, key: string): Promise<void> {
  const owner = { mode: '0600', owner: 'root', group: 'root', sudo: true } as const;
  if (release.format === 'deb') {
    const auth = aptAuthFile(release);
    await host.upload(auth.content(key), auth.path, owner);
    return;
  }
  const keyFile = `${DEB_CACHE}/forge-key`;
  await host.run(cmd('mkdir', '-p', '-m', '0700', DEB_CACHE), { sudo: true });
  await host.upload(`${key}\n`, keyFile, owner);
  await host.run(cmd('sh', '-c', YUM_CREDENTIALS, 'sh', keyFile, release.package), { sudo: true });
}
