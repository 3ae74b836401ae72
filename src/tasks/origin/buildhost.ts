// origin:buildhost and its parts — the seeds' build box: tito, a web server publishing a
// yum repository, the sources cloned and their build dependencies installed, and with
// --build the RPMs built into that repository. origin:buildrepo points an install host
// at it.
import { posix } from 'node:path';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostname, positive } from '../../engine/validate.js';
import {
  buildRepoText,
  buildTools,
  builddepCommand,
  createrepoCommand,
  repoUrl,
  requireRpmHost,
  specFiles,
  titoBuildCommand,
  WEB,
} from '../../origin/build.js';
import { prepareWith } from '../../origin/prepare-plan.js';
import { platformOf } from '../../platform/index.js';
import { hostArg, pathArg } from '../../remote/args.js';
import { gitRef, gitUrl, remotePath, repoId } from '../../remote/validate.js';
import { prepareOptions } from './prepare.js';
import { availableTask } from '../remote/top.js';
import { fileClaim, fileMkdir } from '../remote/file.js';
import { firewallService } from '../remote/firewall.js';
import { serviceEnable, serviceStart } from '../remote/service.js';
import { gitCloneTask } from '../remote/git.js';
import { repoCreate } from '../remote/repo.js';

/** One directory name under the web server's document root. */
const repoDirName = (v: string) => (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(v) ? undefined : 'one directory name (letters, digits, . _ -)');
/** A tito package name prefix for `find -name NAME.spec`. */
const specName = (v: string) => (/^[A-Za-z0-9_*][A-Za-z0-9_.*+-]*$/.test(v) ? undefined : 'a package name, * allowed');

const repoOption = {
  type: 'string',
  description: `the repository directory under ${WEB.docroot} (its URL path)`,
  default: 'repo',
  placeholder: 'NAME',
  validate: repoDirName,
} as const;
const gitrootArg = pathArg('gitroot', 'the working copy on the host');

export const builddepTask = defineTask({
  name: 'origin:builddep',
  summary: 'install the build dependencies of every .spec file in a working copy on a host',
  args: [hostArg, gitrootArg],
  options: {},
  example: 'origin-setup origin:builddep build.example.org origin-server',
  async run(ctx, { host, gitroot }) {
    const remote = await ctx.ssh(host);
    const platform = await platformOf(ctx, host);
    requireRpmHost(platform, host, 'origin:builddep');
    const specs = await specFiles(remote, gitroot);
    if (specs.length === 0) {
      ctx.log.warn(`${host}: no .spec files under ${gitroot}: nothing to install`);
      return { host, gitroot, specs };
    }
    ctx.log.verbose(`${specs.length} spec files`);
    await remote.run(builddepCommand(platform, specs), { sudo: true });
    return { host, gitroot, specs };
  },
  render: (r) => r.specs.join('\n'),
});

export const buildrpmsTask = defineTask({
  name: 'origin:buildrpms',
  summary: 'build the RPMs of a working copy with tito into a directory and make it a yum repository',
  args: [hostArg, gitrootArg],
  options: {
    output: {
      type: 'string',
      description: 'where the RPMs and the repository metadata go',
      default: `${WEB.docroot}/repo`,
      placeholder: 'DIR',
      validate: remotePath,
    },
    pkgname: {
      type: 'string',
      description: 'build only the packages whose spec file matches NAME.spec',
      default: '*',
      placeholder: 'NAME',
      validate: specName,
    },
    test: { type: 'boolean', description: 'build from the latest commit instead of the latest tag (tito --test)' },
  },
  example: 'origin-setup origin:buildrpms build.example.org origin-server --pkgname openshift-origin-broker --test',
  async run(ctx, { host, gitroot }, o) {
    const remote = await ctx.ssh(host);
    const platform = await platformOf(ctx, host);
    requireRpmHost(platform, host, 'origin:buildrpms');
    const specs = await specFiles(remote, gitroot, o.pkgname);
    const dirs = [...new Set(specs.map((s) => posix.dirname(s)))];
    for (const dir of dirs) {
      ctx.log.info(`tito build in ${dir}`);
      await remote.run(titoBuildCommand(dir, o.output, o.test));
    }
    await remote.run(createrepoCommand(buildTools(platform), o.output));
    return { host, gitroot, output: o.output, built: dirs };
  },
  render: (r) => r.built.join('\n'),
});

export interface BuildhostResult {
  host: string;
  source: string;
  repodir: string;
  url: string;
  built: boolean;
}

export const buildhostTask = defineTask({
  name: 'origin:buildhost',
  summary: 'make a host the build box: tito, a web server publishing a yum repository, the sources and their build dependencies',
  args: [hostArg, { name: 'giturl', description: 'the git URL of the sources', validate: gitUrl }],
  options: {
    gitroot: { type: 'string', description: 'name of the clone in the login directory (default: from the URL)', placeholder: 'NAME', validate: remotePath },
    branch: { type: 'string', description: 'check out this branch', placeholder: 'BRANCH', validate: gitRef },
    repo: repoOption,
    build: { type: 'boolean', description: 'also build every package with tito and publish them (createrepo)' },
    test: { type: 'boolean', description: 'with --build: build from the latest commit instead of the latest tag' },
    ...prepareOptions,
    timeout: { type: 'number', description: 'seconds to wait for SSH', default: 300, placeholder: 'SECONDS', validate: positive },
  },
  example: 'origin-setup origin:buildhost build.example.org https://github.com/openshift/origin-server.git --build --test',
  async run(ctx, { host, giturl }, o): Promise<BuildhostResult> {
    await ctx.invoke(availableTask, [host], { wait: true, timeout: o.timeout });
    const platform = await platformOf(ctx, host);
    requireRpmHost(platform, host, 'origin:buildhost');
    await prepareWith(ctx, host, o, buildTools(platform).packages);

    // The login user owns the published directory, so tito and createrepo need no root.
    const repodir = `${WEB.docroot}/${o.repo}`;
    await ctx.invoke(fileMkdir, [host, repodir], { parents: true, sudo: true });
    await ctx.invoke(fileClaim, [host, repodir], { recursive: true });
    await ctx.invoke(firewallService, [host, WEB.firewallService]);
    await ctx.invoke(serviceEnable, [host, WEB.service]);
    await ctx.invoke(serviceStart, [host, WEB.service]);

    const clone = await ctx.invoke(gitCloneTask, [host, giturl], {
      ...(o.gitroot ? { destname: o.gitroot } : {}),
      ...(o.branch ? { branch: o.branch } : {}),
    });
    await ctx.invoke(builddepTask, [host, clone.dest]);
    if (o.build) await ctx.invoke(buildrpmsTask, [host, clone.dest], { output: repodir, test: o.test });
    return { host, source: clone.dest, repodir, url: repoUrl(host, o.repo), built: o.build };
  },
  render: (r) => r.url,
});

export interface BuildrepoResult {
  host: string;
  buildhost: string;
  id: string;
  baseurl: string;
  path: string;
}

export const buildrepoTask = defineTask({
  name: 'origin:buildrepo',
  summary: 'point a host at the yum repository of a build box (writes the .repo file)',
  args: [hostArg, { name: 'buildhost', description: 'the build box, as install hosts reach it over HTTP', validate: hostname }],
  options: {
    repo: repoOption,
    id: { type: 'string', description: 'the repository id and file name', default: 'origin-build', placeholder: 'ID', validate: repoId },
  },
  example: 'origin-setup origin:buildrepo broker.example.org build.example.org',
  async run(ctx, { host, buildhost }, o): Promise<BuildrepoResult> {
    requireRpmHost(await platformOf(ctx, host), host, 'origin:buildrepo', 'the build box publishes a yum repository');
    const box = buildhost.replace(/\.$/, '');
    const baseurl = repoUrl(box, o.repo);
    const content = buildRepoText({ id: o.id, buildhost: box, baseurl });
    const r = await ctx.invoke(repoCreate, [host, o.id], { content });
    return { host, buildhost: box, id: o.id, baseurl, path: r.path };
  },
  render: (r) => r.path,
});

export const buildhostTasks: SomeTask[] = [buildhostTask, builddepTask, buildrpmsTask, buildrepoTask];
