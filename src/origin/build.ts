// The build box of the seeds: RPMs built with tito from a git checkout and published as
// a yum repository over HTTP. The package and command names that differ between yum
// and dnf hosts are chosen here, from the host's platform; the steps are sub-tasks
// except the two commands no remote:* task covers (builddep and the tito builds).
import { OriginError } from '../engine/errors.js';
import { renderTemplate } from '../engine/template.js';
import type { Platform } from '../platform/types.js';
import { cmd, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

/** Where the web server serves files from, and its service. httpd is in every rpm distribution's base repositories. */
export const WEB = { package: 'httpd', service: 'httpd', docroot: '/var/www/html', firewallService: 'http' } as const;

export interface BuildTools {
  packages: string[];
  /** The createrepo command (createrepo_c on dnf hosts). */
  createrepo: string;
}

/** tito builds RPMs and the build box publishes a yum repository: neither fits an apt host. */
export function requireRpmHost(platform: Platform, host: string, what: string, why = 'tito builds RPMs'): void {
  if (platform.packages.name === 'apt-get') {
    throw new OriginError(`${host}: ${what} needs a yum or dnf host (${why}), and ${host} runs ${platform.label}`, {
      hint: 'use a Fedora, EL or Amazon Linux host',
    });
  }
}

export function buildTools(platform: Platform): BuildTools {
  const dnf = platform.packages.name === 'dnf';
  return {
    // yum-builddep is in yum-utils; dnf's builddep is a plugin in dnf-plugins-core.
    packages: ['git', 'tito', 'rpm-build', WEB.package, dnf ? 'createrepo_c' : 'createrepo', dnf ? 'dnf-plugins-core' : 'yum-utils'],
    createrepo: dnf ? 'createrepo_c' : 'createrepo',
  };
}

/** Every .spec file under root; the pattern is one quoted word, so the remote shell never expands it (the original's glob was expanded there). */
export function findSpecsCommand(root: string, name = '*'): ShellCommand {
  return cmd('find', root, '-name', `${name}.spec`, '-type', 'f');
}

export async function specFiles(host: RemoteHost, root: string, name?: string): Promise<string[]> {
  const r = await host.run(findSpecsCommand(root, name), { readOnly: true });
  return r.stdout
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** One builddep run for every spec file, as root. */
export function builddepCommand(platform: Platform, specs: readonly string[]): ShellCommand {
  return platform.packages.name === 'dnf' ? cmd('dnf', '-y', 'builddep', [...specs]) : cmd('yum-builddep', '-y', [...specs]);
}

/** tito in the spec's own directory, writing into the repository directory. */
export function titoBuildCommand(packageDir: string, output: string, test: boolean): ShellCommand {
  const flags = test ? ' --test' : '';
  return cmd('sh', '-c', `cd "$1" && exec tito build --rpm${flags} --output "$2"`, 'sh', packageDir, output);
}

export function createrepoCommand(tools: BuildTools, dir: string): ShellCommand {
  return cmd(tools.createrepo, '--update', dir);
}

export function repoUrl(buildhost: string, path: string): string {
  return `http://${buildhost}/${path.replace(/^\/+|\/+$/g, '')}/`;
}

/** The .repo file install hosts use to reach the build box. */
export function buildRepoText(o: { id: string; buildhost: string; baseurl: string }): string {
  return renderTemplate('build-repo.repo', o);
}
