// remote:git:* — clone and update git repositories on a host (as the login user).
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostArg, pathArg } from '../../remote/args.js';
import { gitCheckout, gitClone, gitSubmoduleInit, gitSubmoduleUpdate, gitSync, gitTags } from '../../remote/git.js';
import { gitRef, gitUrl, remotePath, tagPrefix } from '../../remote/validate.js';

const repoDirArg = pathArg('repodir', 'the working copy on the host');
const remoteOption = { type: 'string', description: 'the git remote', default: 'origin', placeholder: 'NAME', validate: gitRef } as const;
const branchOption = { type: 'string', description: 'the branch (default: the remote tracking branch)', placeholder: 'BRANCH', validate: gitRef } as const;

export const gitCloneTask = defineTask({
  name: 'remote:git:clone',
  summary: 'clone a git repository on a host and print where it went',
  args: [hostArg, { name: 'url', description: 'the repository URL', validate: gitUrl }],
  options: {
    destdir: { type: 'string', description: 'the directory to clone into (default: the login directory)', placeholder: 'DIR', validate: remotePath },
    destname: { type: 'string', description: 'the name of the clone (default: from the URL, NAME.git with --bare)', placeholder: 'NAME', validate: remotePath },
    bare: { type: 'boolean', description: 'make a bare repository' },
    branch: { type: 'string', description: 'check out this branch instead of the default', placeholder: 'BRANCH', validate: gitRef },
  },
  example: 'origin-setup remote:git:clone puppet.example.org https://github.com/markllama/origin-puppet.git --destname site',
  async run(ctx, { host, url }, o) {
    const dest = await gitClone(await ctx.ssh(host), url, o);
    return { host, url, dest };
  },
  render: (r) => r.dest,
});

export const gitCheckoutTask = defineTask({
  name: 'remote:git:checkout',
  summary: "check out a branch in a working copy on a host (default: the remote's default branch)",
  args: [hostArg, repoDirArg, { name: 'branch', description: 'the branch', optional: true, validate: gitRef }],
  options: {
    remote: remoteOption,
    track: { type: 'boolean', description: 'create a local branch tracking REMOTE/BRANCH' },
  },
  example: 'origin-setup remote:git:checkout puppet.example.org site production --track',
  async run(ctx, { host, repodir, branch }, o) {
    const checkedOut = await gitCheckout(await ctx.ssh(host), repodir, branch, o);
    return { host, repodir, branch: checkedOut };
  },
  render: (r) => r.branch,
});

/** remote:git:pull and remote:git:fetch differ only in the git verb. */
function gitSyncTask(verb: 'pull' | 'fetch', summary: string, example: string) {
  return defineTask({
    name: `remote:git:${verb}`,
    summary,
    args: [hostArg, repoDirArg],
    options: { remote: remoteOption, branch: branchOption },
    example,
    async run(ctx, { host, repodir }, o) {
      await gitSync(await ctx.ssh(host), verb, repodir, o.remote, o.branch);
      return { host, repodir, remote: o.remote, branch: o.branch };
    },
    render: () => undefined,
  });
}

export const gitPullTask = gitSyncTask('pull', 'pull a working copy on a host from its remote', 'origin-setup remote:git:pull puppet.example.org site');
export const gitFetchTask = gitSyncTask(
  'fetch',
  'fetch from the remote of a working copy on a host',
  'origin-setup remote:git:fetch puppet.example.org site --branch production',
);

export const gitTagsTask = defineTask({
  name: 'remote:git:tags',
  summary: 'list the tags of a working copy on a host, one per line',
  args: [hostArg, repoDirArg],
  options: {
    pkgname: {
      type: 'string',
      description: 'only tags starting with this prefix (tito tags are NAME-VERSION-RELEASE)',
      placeholder: 'PREFIX',
      validate: tagPrefix,
    },
  },
  example: 'origin-setup remote:git:tags build.example.org origin-server --pkgname openshift-origin-broker',
  async run(ctx, { host, repodir }, o) {
    return gitTags(await ctx.ssh(host), repodir, o.pkgname);
  },
  render: (tags) => tags.join('\n'),
});

export const gitSubmoduleInitTask = defineTask({
  name: 'remote:git:submodule:init',
  summary: 'register the submodules of a working copy on a host',
  args: [hostArg, repoDirArg],
  options: {},
  example: 'origin-setup remote:git:submodule:init puppet.example.org site',
  async run(ctx, { host, repodir }) {
    await gitSubmoduleInit(await ctx.ssh(host), repodir);
    return { host, repodir };
  },
  render: () => undefined,
});

export const gitSubmoduleUpdateTask = defineTask({
  name: 'remote:git:submodule:update',
  summary: 'check out the recorded commits of the submodules of a working copy on a host',
  args: [hostArg, repoDirArg],
  options: {
    init: { type: 'boolean', description: 'register submodules that are not yet (submodule:init in the same step)' },
    recursive: { type: 'boolean', description: 'also update submodules of submodules' },
  },
  example: 'origin-setup remote:git:submodule:update puppet.example.org site --init --recursive',
  async run(ctx, { host, repodir }, o) {
    await gitSubmoduleUpdate(await ctx.ssh(host), repodir, o);
    return { host, repodir };
  },
  render: () => undefined,
});

export const gitTasks: SomeTask[] = [gitCloneTask, gitCheckoutTask, gitPullTask, gitFetchTask, gitTagsTask, gitSubmoduleInitTask, gitSubmoduleUpdateTask];
