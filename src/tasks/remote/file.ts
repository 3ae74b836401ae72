// remote:file:* — copy files to and from a host and manage them there.
import { existsSync, statSync } from 'node:fs';
import { basename, posix, resolve } from 'node:path';
import { NotFoundError, UsageError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostArg, pathArg, recursiveOption, sudoOption } from '../../remote/args.js';
import { changeGroup, changeMode, changeOwner, copyFile, makeDirectory, removeFile, symlink, touchFile } from '../../remote/files.js';
import { downloadTree, uploadTree } from '../../remote/tree.js';
import { accountName, fileMode, octalMode, remotePath } from '../../remote/validate.js';

const forceOption = { type: 'boolean', description: 'never prompt, ignore missing files' } as const;

export const fileGet = defineTask({
  name: 'remote:file:get',
  summary: 'copy a file (or with --recursive a directory) from a host to this machine and print where it went',
  args: [hostArg, pathArg('path', 'the remote file or directory')],
  options: {
    dest: { type: 'string', description: 'local destination (default: the file name in the current directory)', placeholder: 'PATH' },
    recursive: { type: 'boolean', description: 'copy a directory and everything below it' },
  },
  example: 'origin-setup remote:file:get puppet.example.org /etc/puppet/puppet.conf --dest ./puppet.conf',
  async run(ctx, { host, path }, { dest, recursive }) {
    const local = resolve(ctx.settings.cwd, dest ?? posix.basename(path));
    const remote = await ctx.ssh(host);
    if (recursive) ctx.log.verbose(`${await downloadTree(remote, path, local)} files copied`);
    else await remote.download(path, local);
    ctx.log.verbose(`${host}:${path} -> ${local}`);
    return { host, remote: path, local };
  },
  render: (r) => r.local,
});

export const filePut = defineTask({
  name: 'remote:file:put',
  summary: 'copy a file (or with --recursive a directory) from this machine to a host and print where it went',
  args: [hostArg, { name: 'local', description: 'the local file or directory' }],
  options: {
    dest: { type: 'string', description: 'remote destination (default: the file name in the login directory)', placeholder: 'PATH', validate: remotePath },
    mode: { type: 'string', description: 'octal mode of the remote file, such as 0644', placeholder: 'MODE', validate: octalMode },
    owner: { type: 'string', description: 'owner of the remote file (with --sudo)', placeholder: 'USER', validate: accountName },
    group: { type: 'string', description: 'group of the remote file (with --sudo)', placeholder: 'GROUP', validate: accountName },
    sudo: { type: 'boolean', description: 'write a root-owned destination (uploads, then sudo install)' },
    recursive: { type: 'boolean', description: 'copy a directory and everything below it (files keep their modes)' },
  },
  example: 'origin-setup remote:file:put puppet.example.org rsyslog-puppet.conf --dest /etc/rsyslog.d/puppet.conf --sudo --mode 0644',
  async run(ctx, { host, local }, o) {
    const source = resolve(ctx.settings.cwd, local);
    const stat = existsSync(source) ? statSync(source) : undefined;
    if (!stat || (o.recursive ? !stat.isDirectory() : !stat.isFile())) {
      const what = o.recursive ? 'directory' : 'file';
      throw new NotFoundError(`no local ${what} ${source}`, { hint: `give the path of a ${o.recursive ? what : 'regular file'} on this machine` });
    }
    if (o.recursive && (o.sudo || o.mode || o.owner || o.group)) {
      throw new UsageError('--recursive copies as the login user: --sudo, --mode, --owner and --group are for single files');
    }
    if ((o.owner || o.group) && !o.sudo) throw new UsageError('--owner and --group need --sudo');
    const dest = o.dest ?? basename(source);
    const remote = await ctx.ssh(host);
    if (o.recursive) ctx.log.verbose(`${await uploadTree(remote, source, dest)} files copied`);
    else await remote.uploadFile(source, dest, { mode: o.mode, owner: o.owner, group: o.group, sudo: o.sudo });
    ctx.log.verbose(`${source} -> ${host}:${dest}`);
    return { host, local: source, remote: dest };
  },
  render: (r) => r.remote,
});

export const fileCopy = defineTask({
  name: 'remote:file:copy',
  summary: 'copy a file or directory on a host',
  args: [hostArg, pathArg('source', 'the file to copy'), pathArg('dest', 'where the copy goes')],
  options: { sudo: sudoOption, recursive: { type: 'boolean', description: 'copy a directory and everything in it' }, force: forceOption },
  example: 'origin-setup remote:file:copy puppet.example.org puppet.conf /etc/puppet/puppet.conf --sudo',
  async run(ctx, { host, source, dest }, o) {
    await copyFile(await ctx.ssh(host), source, dest, o);
    return { host, source, dest };
  },
  render: () => undefined,
});

export const fileDelete = defineTask({
  name: 'remote:file:delete',
  summary: 'delete a file (or with --recursive a directory) on a host',
  args: [hostArg, pathArg('path', 'the file to delete')],
  options: { sudo: sudoOption, recursive: recursiveOption, force: forceOption },
  example: 'origin-setup remote:file:delete puppet.example.org /tmp/build --recursive --force',
  async run(ctx, { host, path }, o) {
    if (o.recursive && /^\/*$/.test(path)) throw new UsageError('refusing to delete / recursively');
    await removeFile(await ctx.ssh(host), path, o);
    return { host, path };
  },
  render: () => undefined,
});

export const fileTouch = defineTask({
  name: 'remote:file:touch',
  summary: 'create an empty file on a host, or update its time stamp',
  args: [hostArg, pathArg('path', 'the file')],
  options: { sudo: sudoOption },
  example: 'origin-setup remote:file:touch puppet.example.org /var/log/puppet.log --sudo',
  async run(ctx, { host, path }, o) {
    await touchFile(await ctx.ssh(host), path, o);
    return { host, path };
  },
  render: () => undefined,
});

export const fileMkdir = defineTask({
  name: 'remote:file:mkdir',
  summary: 'create a directory on a host',
  args: [hostArg, pathArg('path', 'the directory')],
  options: { sudo: sudoOption, parents: { type: 'boolean', description: 'create missing parents; an existing directory is fine' } },
  example: 'origin-setup remote:file:mkdir puppet.example.org /srv/puppet/modules --parents --sudo',
  async run(ctx, { host, path }, o) {
    await makeDirectory(await ctx.ssh(host), path, o);
    return { host, path };
  },
  render: () => undefined,
});

export const fileClaim = defineTask({
  name: 'remote:file:claim',
  summary: 'make the login user (or --user) own a file on a host',
  args: [hostArg, pathArg('path', 'the file or directory')],
  options: {
    user: { type: 'string', description: 'new owner (default: the user origin-setup logs in as)', placeholder: 'USER', validate: accountName },
    group: { type: 'string', description: "new group (default: the owner's login group)", placeholder: 'GROUP', validate: accountName },
    recursive: recursiveOption,
  },
  example: 'origin-setup remote:file:claim puppet.example.org /etc/puppet --recursive',
  async run(ctx, { host, path }, o) {
    const remote = await ctx.ssh(host);
    // The login user as this tool resolved it, not a `$USER` the remote shell would expand.
    const user = o.user ?? remote.user;
    await changeOwner(remote, path, user, o.group, o);
    return { host, path, user, group: o.group };
  },
  render: () => undefined,
});

export const filePermission = defineTask({
  name: 'remote:file:permission',
  summary: 'set the mode of a file on a host (octal or symbolic)',
  args: [hostArg, pathArg('path', 'the file or directory'), { name: 'mode', description: 'octal (0644) or symbolic (u+x,go-w)', validate: fileMode }],
  options: { sudo: sudoOption, recursive: recursiveOption },
  example: 'origin-setup remote:file:permission puppet.example.org /etc/puppet/autosign.conf 0644 --sudo',
  async run(ctx, { host, path, mode }, o) {
    await changeMode(await ctx.ssh(host), path, mode, o);
    return { host, path, mode };
  },
  render: () => undefined,
});

export const fileGroup = defineTask({
  name: 'remote:file:group',
  summary: 'set the group of a file on a host',
  args: [hostArg, pathArg('path', 'the file or directory'), { name: 'group', description: 'the new group', validate: accountName }],
  options: { sudo: sudoOption, recursive: recursiveOption },
  example: 'origin-setup remote:file:group puppet.example.org /etc/puppet puppet --recursive --sudo',
  async run(ctx, { host, path, group }, o) {
    await changeGroup(await ctx.ssh(host), path, group, o);
    return { host, path, group };
  },
  render: () => undefined,
});

export const fileSymlink = defineTask({
  name: 'remote:file:symlink',
  summary: 'point a symbolic link at a target on a host (replaces an existing link)',
  args: [hostArg, pathArg('target', 'what the link points to'), pathArg('link', 'the link to create')],
  options: { sudo: sudoOption },
  example: 'origin-setup remote:file:symlink puppet.example.org /usr/share/zoneinfo/UTC /etc/localtime --sudo',
  async run(ctx, { host, target, link }, o) {
    await symlink(await ctx.ssh(host), target, link, o);
    return { host, target, link };
  },
  render: () => undefined,
});

export const fileTasks: SomeTask[] = [fileGet, filePut, fileCopy, fileDelete, fileTouch, fileMkdir, fileClaim, filePermission, fileGroup, fileSymlink];
