// ec2:instance:* — launch, inspect, name, start/stop, terminate and wait for instances.
// Tasks that work on one instance take --id or --name (instanceSelectorOptions).
import type { Instance } from '@aws-sdk/client-ec2';
import { associateAddress } from '../../aws/addresses.js';
import { instanceDetails, type InstanceDetails } from '../../aws/instance-details.js';
import { assertNameFree, launchInstance, resolveKeyPair, type Launched } from '../../aws/instance-launch.js';
import { assertCombinable, composeUserData, readUserDataFile } from '../../aws/user-data.js';
import { instanceLabel, startInstance, stopInstance, terminateInstance, waitForInstanceState, WAIT_STATES, type WaitState } from '../../aws/instance-state.js';
import { findInstance } from '../../aws/instances.js';
import { dryRun, mutate, tagValue } from '../../aws/ec2.js';
import { applyTag, renderTagResult } from '../../aws/tags.js';
import type { TaskContext } from '../../engine/context.js';
import { NotFoundError, UsageError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { instanceHardeningOptions, instanceName, instanceSelectorOptions } from './options.js';
import { hostname, imageId, ipv4, positive } from '../../engine/validate.js';
import { afterLaunch, ENROL_PART, enrolOptions, prepareEnrolment, requireEnrol, type EnrolResult } from '../../puppet/enrol.js';

const waitOptions = <S extends WaitState>(state: S) =>
  ({
    wait: { type: 'boolean', description: `wait until the instance is ${state}` },
    timeout: { type: 'number', description: 'seconds to wait with --wait', default: 300, placeholder: 'SECONDS', validate: positive },
  }) as const;

export const instanceCreate = defineTask({
  name: 'ec2:instance:create',
  summary: 'launch an instance with a Name tag and print its id',
  args: [],
  options: {
    name: { type: 'string', description: 'Name tag (must not be in use by a live instance)', required: true, placeholder: 'NAME', validate: instanceName },
    image: { type: 'string', description: 'image id (ami-…)', required: true, placeholder: 'IMAGE', validate: imageId },
    type: { type: 'string', description: 'instance type (default: AWSEC2Type in awscred, else t3.micro)', placeholder: 'TYPE' },
    key: { type: 'string', description: 'EC2 key pair name (default: AWSKeyPairName in awscred)', placeholder: 'KEYPAIR' },
    securitygroup: { type: 'list', description: 'security group names or sg-… ids', default: ['default'], placeholder: 'GROUP' },
    disksize: { type: 'number', description: "root volume size in GiB (default: the image's)", placeholder: 'GIB', validate: positive },
    userdata: {
      type: 'string',
      description: 'user data file, sent base64-encoded (with --enrol, as one part of a MIME multipart message)',
      placeholder: 'FILE',
    },
    ...instanceHardeningOptions,
    ...waitOptions('running'),
    wait: { type: 'boolean', description: 'wait until the instance is running (with --enrol, also until its certificate is signed)' },
    ...enrolOptions,
    enrolCertname: {
      type: 'string',
      description: "with --enrol: the agent's certificate name (default: the instance's private DNS name)",
      placeholder: 'FQDN',
      validate: hostname,
    },
  },
  example: 'ID=$(origin-setup ec2:instance:create --name puppet --image ami-b71078de --type t3.small --securitygroup default broker --wait)',
  async run(ctx, _args, opts): Promise<Launched & { enrol?: EnrolResult }> {
    const cred = ctx.settings.awscred();
    const key = resolveKeyPair(ctx, opts.key, '--key');
    if (opts.disksize !== undefined && !Number.isInteger(opts.disksize)) throw new UsageError('--disksize wants whole GiB');
    requireEnrol(opts);
    const userFile = opts.userdata === undefined ? undefined : { name: opts.userdata, data: await readUserDataFile(ctx, opts.userdata) };
    if (userFile && opts.enrol) assertCombinable(userFile);
    const enrolment = opts.enrol
      ? await prepareEnrolment(ctx, {
          master: opts.enrol,
          ca: opts.enrolCa,
          certname: opts.enrolCertname,
          os: opts.enrolOs,
          source: opts.enrolSource,
          image: opts.image,
        })
      : undefined;
    const started = Date.now();
    const launched = await launchInstance(ctx, {
      name: opts.name,
      image: opts.image,
      type: opts.type ?? cred?.ec2Type ?? 't3.micro',
      key,
      securityGroups: opts.securitygroup,
      diskSizeGiB: opts.disksize,
      encrypted: opts.encrypted,
      imds: opts.imds,
      userData: composeUserData(userFile, enrolment && { content: enrolment.script, filename: ENROL_PART }),
    });
    // A failed wait fails the run, and the runner's rollback terminates what was launched.
    if (opts.wait) launched.state = await waitForInstanceState(ctx, launched.id, `${launched.id} (${launched.name})`, 'running', opts.timeout);
    if (!enrolment) return launched;
    // One --timeout for both waits, counted from the launch: the certificate gets what the boot left of it.
    const left = Math.max(1, Math.ceil(opts.timeout - (Date.now() - started) / 1000 / ctx.settings.timeScale));
    const enrol = await afterLaunch(ctx, enrolment, launched, opts.wait || opts.enrolWait ? { timeoutSeconds: left } : undefined);
    return { ...launched, enrol };
  },
  render: (r) => r.id,
});

export const instanceList = defineTask({
  name: 'ec2:instance:list',
  summary: 'list instances in every state: id name state',
  args: [],
  options: {
    name: { type: 'string', description: 'only instances whose Name tag matches (wildcards * and ? allowed)', placeholder: 'NAME' },
  },
  example: "origin-setup ec2:instance:list --name 'node*'",
  async run(ctx, _args, opts) {
    const { client, sdk } = await ctx.aws.ec2();
    const found: Instance[] = [];
    const input = opts.name ? { Filters: [{ Name: 'tag:Name', Values: [opts.name] }] } : {};
    for await (const page of sdk.paginateDescribeInstances({ client }, input)) {
      for (const r of page.Reservations ?? []) found.push(...(r.Instances ?? []));
    }
    const rows = found.map((i) => ({ id: i.InstanceId!, name: tagValue(i.Tags, 'Name') ?? '-', state: i.State?.Name ?? '-' }));
    return rows.sort((a, b) => (a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1));
  },
  render: (rows) => rows.map((r) => `${r.id} ${r.name} ${r.state}`).join('\n') || undefined,
});

export const instanceInfo = defineTask({
  name: 'ec2:instance:info',
  summary: 'show an instance: state, type, image, DNS names, addresses, groups, devices (--json: all fields)',
  args: [],
  options: { ...instanceSelectorOptions },
  example: 'origin-setup ec2:instance:info --name puppet',
  async run(ctx, _args, opts) {
    return instanceDetails(await findInstance(ctx, opts));
  },
  render: renderInstance,
});

function renderInstance(d: InstanceDetails): string {
  const field = (label: string, value: string | undefined) => (value ? [`  ${label}: ${value}`] : []);
  return [
    `EC2 Instance: ${d.id}${d.name ? ` (${d.name})` : ''}`,
    ...field('State', d.state && (d.stateReason ? `${d.state} (${d.stateReason})` : d.state)),
    ...field('Type', d.type),
    ...field('Image', d.image),
    ...field('Key Pair', d.keyName),
    ...field('DNS Name', d.dnsName),
    ...field('IP Address', d.publicIp),
    ...field('Private IP', d.privateIp),
    ...field('Private Hostname', d.privateDnsName),
    ...field('Zone', d.availabilityZone),
    ...field('Launched', d.launchTime),
    ...field(
      'Metadata',
      d.metadata &&
        `${d.metadata.httpEndpoint === 'disabled' ? 'disabled' : d.metadata.httpTokens === 'required' ? 'IMDSv2 only (tokens required)' : 'IMDSv1 and v2 (tokens optional)'}, hop limit ${d.metadata.hopLimit ?? '-'}`,
    ),
    ...field('Security Groups', d.securityGroups.join(', ')),
    ...(d.devices.length ? ['  Block Devices:', ...d.devices.map((m) => `    ${m.device} ${m.volumeId ?? '-'}`)] : []),
  ].join('\n');
}

/** The tasks that print one attribute: status, hostname, private_hostname, private_ipaddress. */
function attributeTask(name: string, summary: string, what: string, pick: (d: InstanceDetails) => string | undefined) {
  return defineTask({
    name,
    summary,
    args: [],
    options: { ...instanceSelectorOptions },
    example: `origin-setup ${name} --name puppet`,
    async run(ctx, _args, opts) {
      const details = instanceDetails(await findInstance(ctx, opts));
      const value = pick(details);
      if (!value) throw noAttribute(details, what);
      return value;
    },
  });
}

function noAttribute(d: InstanceDetails, what: string): NotFoundError {
  return new NotFoundError(`${d.id}${d.name ? ` (${d.name})` : ''} has no ${what} (it is ${d.state})`, {
    hint: d.state === 'pending' ? 'origin-setup ec2:instance:wait --state running waits for it' : undefined,
  });
}

export const instanceStatus = attributeTask(
  'ec2:instance:status',
  'print the state: pending, running, stopping, stopped, shutting-down, terminated',
  'state',
  (d) => d.state,
);
export const instanceHostname = attributeTask('ec2:instance:hostname', 'print the public DNS name', 'public DNS name', (d) => d.dnsName);
export const instancePrivateHostname = attributeTask(
  'ec2:instance:private_hostname',
  'print the private DNS name',
  'private DNS name',
  (d) => d.privateDnsName,
);
export const instancePrivateIpaddress = attributeTask(
  'ec2:instance:private_ipaddress',
  'print the private IP address',
  'private IP address',
  (d) => d.privateIp,
);

export const instanceIpaddress = defineTask({
  name: 'ec2:instance:ipaddress',
  summary: 'print the public IP (--internal: the private one); with IPADDR, associate that elastic IP',
  args: [{ name: 'ipaddr', description: 'an allocated elastic IP to associate', optional: true, validate: ipv4 }],
  options: {
    ...instanceSelectorOptions,
    internal: { type: 'boolean', description: 'print the private IP address' },
  },
  example: 'origin-setup ec2:instance:ipaddress 203.0.113.7 --name puppet',
  async run(ctx, { ipaddr }, opts) {
    if (ipaddr && opts.internal) throw new UsageError('--internal prints the private address; it cannot be set');
    const details = instanceDetails(await findInstance(ctx, opts));
    if (ipaddr) {
      await associateAddress(ctx, ipaddr, details.id);
      return ipaddr;
    }
    const value = opts.internal ? details.privateIp : details.publicIp;
    if (!value) throw noAttribute(details, opts.internal ? 'private IP address' : 'public IP address');
    return value;
  },
});

export const instanceRename = defineTask({
  name: 'ec2:instance:rename',
  summary: 'change the Name tag of an instance',
  args: [],
  options: {
    ...instanceSelectorOptions,
    newname: {
      type: 'string',
      description: 'the new Name (must not be in use by a live instance)',
      required: true,
      placeholder: 'NEWNAME',
      validate: instanceName,
    },
  },
  example: 'origin-setup ec2:instance:rename --name broker --newname broker-old',
  async run(ctx, _args, opts) {
    const instance = await findInstance(ctx, opts);
    const id = instance.InstanceId!;
    const old = tagValue(instance.Tags, 'Name');
    await assertNameFree(ctx, opts.newname, id);
    const { client, sdk } = await ctx.aws.ec2();
    await mutate(ctx, 'CreateTags', () =>
      client.send(new sdk.CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Name', Value: opts.newname }], ...dryRun(ctx) })),
    );
    ctx.log.info(`renamed ${id} from ${old ?? '(no name)'} to ${opts.newname}`);
    return { id, oldName: old, name: opts.newname };
  },
  render: () => undefined,
});

/** start, stop and delete: act on one instance, then optionally wait for the state it heads for. */
async function changeState(
  ctx: TaskContext,
  instance: Instance,
  act: (ctx: TaskContext, id: string) => Promise<string | undefined>,
  target: WaitState,
  wait: { wait: boolean; timeout: number },
): Promise<{ id: string; name?: string; state?: string }> {
  const id = instance.InstanceId!;
  const label = instanceLabel(instance);
  const now = await act(ctx, id);
  ctx.log.verbose(`${label}: ${instance.State?.Name} → ${now}`);
  const state = wait.wait ? await waitForInstanceState(ctx, id, label, target, wait.timeout) : now;
  return { id, name: tagValue(instance.Tags, 'Name'), state };
}

export const instanceStart = defineTask({
  name: 'ec2:instance:start',
  summary: 'start a stopped instance and print its state',
  args: [],
  options: { ...instanceSelectorOptions, ...waitOptions('running') },
  example: 'origin-setup ec2:instance:start --name puppet --wait',
  async run(ctx, _args, opts) {
    return changeState(ctx, await findInstance(ctx, opts), startInstance, 'running', opts);
  },
  render: (r) => r.state,
});

export const instanceStop = defineTask({
  name: 'ec2:instance:stop',
  summary: 'stop a running instance and print its state',
  args: [],
  options: { ...instanceSelectorOptions, ...waitOptions('stopped') },
  example: 'origin-setup ec2:instance:stop --name puppet --wait',
  async run(ctx, _args, opts) {
    return changeState(ctx, await findInstance(ctx, opts), stopInstance, 'stopped', opts);
  },
  render: (r) => r.state,
});

export const instanceDelete = defineTask({
  name: 'ec2:instance:delete',
  summary: 'terminate an instance (asks first unless --force) and print its state',
  args: [],
  options: {
    ...instanceSelectorOptions,
    force: { type: 'boolean', description: 'do not ask' },
    ...waitOptions('terminated'),
  },
  example: 'origin-setup ec2:instance:delete --name broker --force --wait',
  async run(ctx, _args, opts) {
    const instance = await findInstance(ctx, opts);
    const label = instanceLabel(instance);
    // A dry run changes nothing, so there is nothing to confirm.
    if (!opts.force && !ctx.dryRun && !(await ctx.confirm(`Delete instance ${label}`))) {
      ctx.log.info(`not deleting ${label}`);
      return { id: instance.InstanceId!, name: tagValue(instance.Tags, 'Name'), state: instance.State?.Name };
    }
    const result = await changeState(ctx, instance, terminateInstance, 'terminated', opts);
    // Terminated on purpose: a rollback later in this run must not try again.
    ctx.journal.forget('instance', label);
    return result;
  },
  render: (r) => r.state,
});

export const instanceTag = defineTask({
  name: 'ec2:instance:tag',
  summary: 'print a tag of an instance; --value sets it, --clear empties it',
  args: [],
  options: {
    ...instanceSelectorOptions,
    tag: { type: 'string', description: 'tag key', required: true, placeholder: 'TAG' },
    value: { type: 'string', description: 'set the tag to this value', placeholder: 'VALUE' },
    clear: { type: 'boolean', description: 'set the tag to the empty value' },
  },
  example: 'origin-setup ec2:instance:tag --name puppet --tag role --value puppetmaster',
  async run(ctx, _args, opts) {
    if (opts.clear && opts.value !== undefined) throw new UsageError('give --value or --clear, not both');
    const instance = await findInstance(ctx, opts);
    const op = opts.clear
      ? ({ kind: 'set', value: '' } as const)
      : opts.value !== undefined
        ? ({ kind: 'set', value: opts.value } as const)
        : ({ kind: 'get' } as const);
    return applyTag(ctx, { id: instance.InstanceId!, label: instanceLabel(instance), tags: instance.Tags }, opts.tag, op);
  },
  render: renderTagResult,
});

export const instanceWait = defineTask({
  name: 'ec2:instance:wait',
  summary: 'wait until an instance is in a state; fails at once if it can no longer get there',
  args: [],
  options: {
    ...instanceSelectorOptions,
    state: { type: 'string', description: 'the state to wait for', required: true, choices: WAIT_STATES, placeholder: 'STATE' },
    timeout: { type: 'number', description: 'seconds to wait', default: 300, placeholder: 'SECONDS', validate: positive },
  },
  example: 'origin-setup ec2:instance:wait --name puppet --state running --timeout 600',
  async run(ctx, _args, opts) {
    const instance = await findInstance(ctx, opts);
    return waitForInstanceState(ctx, instance.InstanceId!, instanceLabel(instance), opts.state, opts.timeout);
  },
});

export const instanceTasks: SomeTask[] = [
  instanceCreate,
  instanceList,
  instanceInfo,
  instanceStatus,
  instanceHostname,
  instancePrivateHostname,
  instanceIpaddress,
  instancePrivateIpaddress,
  instanceRename,
  instanceStart,
  instanceStop,
  instanceDelete,
  instanceTag,
  instanceWait,
];
