// remote:repo:* — package repository definitions on a host.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NotFoundError, OriginError, UsageError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { platformOf } from '../../platform/index.js';
import { hostArg } from '../../remote/args.js';
import { deleteRepoFile, setRepoEnabled, writeRepoFile, yumRepoText } from '../../remote/repos.js';
import { oneLine, repoId } from '../../remote/validate.js';

const nameArg = { name: 'name', description: 'the repository name (file name; for yum/dnf also the usual [section] id)', validate: repoId } as const;

const url = (v: string) => (/^(https?|ftp|file):\/\/\S+$/.test(v) ? undefined : 'not an http(s)://, ftp:// or file:// URL');

export const repoCreate = defineTask({
  name: 'remote:repo:create',
  summary: 'install a package repository definition on a host and print its path',
  args: [hostArg, nameArg, { name: 'file', description: 'a local .repo (or apt .list) file to install', optional: true }],
  options: {
    content: { type: 'string', description: 'the file content itself instead of FILE', placeholder: 'TEXT' },
    baseurl: { type: 'string', description: 'write a one-repository yum/dnf file for this URL instead of FILE', placeholder: 'URL', validate: url },
    description: { type: 'string', description: 'with --baseurl: the repository name= (default NAME)', placeholder: 'TEXT', validate: oneLine },
    gpgkey: { type: 'string', description: 'with --baseurl: check signatures with this key URL', placeholder: 'URL', validate: url },
    disabled: { type: 'boolean', description: 'with --baseurl: write it disabled (enabled=0)' },
  },
  example:
    "origin-setup remote:repo:create build.example.org openshift-origin --baseurl 'https://mirror.openshift.com/pub/openshift-origin/nightly/$distro-$osmajorvers/latest/$basearch/'",
  async run(ctx, { host, name, file }, o) {
    const sources = [file !== undefined, o.content !== undefined, o.baseurl !== undefined].filter(Boolean).length;
    if (sources !== 1) throw new UsageError('give exactly one of FILE, --content TEXT or --baseurl URL');
    if (!o.baseurl && (o.description || o.gpgkey || o.disabled)) throw new UsageError('--description, --gpgkey and --disabled go with --baseurl');
    let content: string;
    if (file !== undefined) {
      const local = resolve(ctx.settings.cwd, file);
      if (!existsSync(local) || !statSync(local).isFile())
        throw new NotFoundError(`no local file ${local}`, { hint: 'give the path of a .repo file, or use --content / --baseurl' });
      content = readFileSync(local, 'utf8');
    } else if (o.content !== undefined) {
      if (o.content.trim() === '') throw new UsageError('--content is empty');
      content = o.content;
    } else {
      content = yumRepoText({ id: name, baseurl: o.baseurl!, description: o.description, gpgkey: o.gpgkey, enabled: !o.disabled });
    }
    const platform = await platformOf(ctx, host);
    if (o.baseurl && platform.packages.name === 'apt-get') {
      throw new OriginError(`${host}: --baseurl writes a yum/dnf repository, and ${host} uses apt`, {
        hint: 'give a .list FILE or --content "deb URL SUITE COMPONENTS"',
      });
    }
    const path = await writeRepoFile(await ctx.ssh(host), platform, name, content);
    return { host, name, path };
  },
  render: (r) => r.path,
});

export const repoDelete = defineTask({
  name: 'remote:repo:delete',
  summary: 'remove a package repository definition from a host (already gone is fine)',
  args: [hostArg, nameArg],
  options: {},
  example: 'origin-setup remote:repo:delete build.example.org openshift-origin',
  async run(ctx, { host, name }) {
    const platform = await platformOf(ctx, host);
    const r = await deleteRepoFile(await ctx.ssh(host), platform, name);
    if (!r.deleted && !ctx.dryRun) ctx.log.info(`${r.path} was already gone`);
    return { host, name, ...r };
  },
  render: () => undefined,
});

const toggle = (enabled: boolean) =>
  defineTask({
    name: enabled ? 'remote:repo:enable' : 'remote:repo:disable',
    summary: `${enabled ? 'enable' : 'disable'} a yum/dnf repository on a host, in whichever .repo file defines it`,
    args: [hostArg, { name: 'id', description: 'the repository id ([section] name)', validate: repoId }],
    options: {},
    example: `origin-setup remote:repo:${enabled ? 'enable' : 'disable'} build.example.org updates-testing`,
    async run(ctx, { host, id }) {
      const platform = await platformOf(ctx, host);
      const section = await setRepoEnabled(await ctx.ssh(host), platform, id, enabled);
      return { host, id, enabled, section };
    },
    render: () => undefined,
  });

export const repoEnable = toggle(true);
export const repoDisable = toggle(false);

export const repoTasks: SomeTask[] = [repoCreate, repoDelete, repoEnable, repoDisable];
