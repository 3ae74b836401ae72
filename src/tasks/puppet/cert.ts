// puppet:cert:* — the certificate authority on the master, for every Puppet since 2.7.
import { NotFoundError, OriginError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { positive } from '../../engine/validate.js';
import { caCommands, caKey, findCert, formatCert, listCerts, sameCertname, signRequest } from '../../puppet/certs.js';
import { puppetOn } from '../../puppet/generation.js';
import { certnameArg, masterArg, puppetHintOptions } from './common.js';

export const certListTask = defineTask({
  name: 'puppet:cert:list',
  summary: 'list certificate requests (with --all, signed and revoked certificates too): state name fingerprint',
  args: [masterArg, { ...certnameArg, optional: true, description: 'only this certificate name' }],
  options: {
    all: { type: 'boolean', description: 'signed and revoked certificates too, not only requests' },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:cert:list puppet.example.org --all',
  async run(ctx, { master, certname }, { all, puppet, source }) {
    const flavor = await puppetOn(ctx, master, { puppet, source });
    // A named certificate is shown whatever its state.
    const certs = await listCerts(await ctx.ssh(master), flavor, all || certname !== undefined);
    ctx.log.verbose(`${certs.length} certificate${certs.length === 1 ? '' : 's'} on ${master}`);
    return certname === undefined ? certs : certs.filter((c) => sameCertname(c.name, certname));
  },
  render: (certs) => certs.map(formatCert).join('\n') || undefined,
});

export const certSignTask = defineTask({
  name: 'puppet:cert:sign',
  summary: "sign an agent's pending certificate request (never blindly; --wait until it arrives)",
  args: [masterArg, certnameArg],
  options: {
    wait: { type: 'boolean', description: 'wait for the request to arrive instead of failing when it is not there yet' },
    timeout: { type: 'number', description: 'how long --wait waits, in seconds', default: 300, placeholder: 'SECONDS', validate: positive },
    ...puppetHintOptions,
  },
  example: 'origin-setup puppet:cert:sign puppet.example.org broker.example.org --wait',
  async run(ctx, { master, certname }, { wait, timeout, puppet, source }) {
    const flavor = await puppetOn(ctx, master, { puppet, source });
    return signRequest(ctx, master, flavor, certname, { wait, timeoutSeconds: timeout });
  },
  render: () => undefined,
});

export const certCleanTask = defineTask({
  name: 'puppet:cert:clean',
  summary: 'remove every trace of a certificate name from the CA (before rebuilding a host with that name)',
  args: [masterArg, certnameArg],
  options: { ...puppetHintOptions },
  example: 'origin-setup puppet:cert:clean puppet.example.org broker.example.org',
  async run(ctx, { master, certname }, { puppet, source }) {
    const flavor = await puppetOn(ctx, master, { puppet, source });
    const host = await ctx.ssh(master);
    const entry = await findCert(host, flavor, certname);
    if (!entry) {
      ctx.log.info(`${master} has no certificate or request for ${certname}: nothing to clean`);
      return { master, certname, cleaned: false };
    }
    await ctx.exclusive(caKey(master), () => host.run(caCommands(flavor).clean(entry.name), { sudo: true }));
    return { master, certname: entry.name, cleaned: true, was: entry.state };
  },
  render: () => undefined,
});

export const certRevokeTask = defineTask({
  name: 'puppet:cert:revoke',
  summary: "revoke an agent's signed certificate (it stays in the CA, marked revoked)",
  args: [masterArg, certnameArg],
  options: { ...puppetHintOptions },
  example: 'origin-setup puppet:cert:revoke puppet.example.org node1.example.org',
  async run(ctx, { master, certname }, { puppet, source }) {
    const flavor = await puppetOn(ctx, master, { puppet, source });
    const host = await ctx.ssh(master);
    const entry = await findCert(host, flavor, certname);
    if (!entry) {
      throw new NotFoundError(`${master} has no certificate for ${certname}`, { hint: `see what there is: origin-setup puppet:cert:list ${master} --all` });
    }
    if (entry.state === 'revoked') {
      ctx.log.info(`${entry.name} is already revoked on ${master}`);
      return { master, certname: entry.name, revoked: false };
    }
    if (entry.state === 'pending') {
      throw new OriginError(`${entry.name} has only a request on ${master}, no certificate to revoke`, {
        hint: `remove the request instead: origin-setup puppet:cert:clean ${master} ${entry.name}`,
      });
    }
    await ctx.exclusive(caKey(master), () => host.run(caCommands(flavor).revoke(entry.name), { sudo: true }));
    return { master, certname: entry.name, revoked: true };
  },
  render: () => undefined,
});

export const certTasks: SomeTask[] = [certListTask, certSignTask, certCleanTask, certRevokeTask];
