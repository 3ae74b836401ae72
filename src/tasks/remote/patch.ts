// remote:patch:apply — apply a local unified diff to a file on a host.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NotFoundError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostArg, pathArg, sudoOption } from '../../remote/args.js';
import { applyPatch } from '../../remote/patch.js';

export const patchApply = defineTask({
  name: 'remote:patch:apply',
  summary: 'apply a local patch file to a file on a host (already applied is fine; keeps DEST.orig)',
  args: [hostArg, { name: 'patchfile', description: 'the local unified diff' }, pathArg('destfile', 'the remote file to patch')],
  options: { sudo: sudoOption },
  example: 'origin-setup remote:patch:apply puppet.example.org resource.rb.diff /usr/share/ruby/vendor_ruby/puppet/rails/resource.rb --sudo',
  async run(ctx, { host, patchfile, destfile }, o) {
    const local = resolve(ctx.settings.cwd, patchfile);
    if (!existsSync(local) || !statSync(local).isFile())
      throw new NotFoundError(`no local patch file ${local}`, { hint: 'give the path of a unified diff on this machine' });
    const result = await applyPatch(await ctx.ssh(host), readFileSync(local), destfile, o);
    if (!result.applied) ctx.log.info(`${host}:${destfile} already has this patch; nothing changed`);
    return { host, patch: local, ...result };
  },
  render: () => undefined,
});

export const patchTasks: SomeTask[] = [patchApply];
