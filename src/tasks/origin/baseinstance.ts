// origin:baseinstance — a named EC2 host, optionally with an elastic IP and an A record,
// answering SSH, optionally enrolling itself with a Puppet master at first boot. The
// workflow lives in src/origin/baseinstance-plan.ts, the enrolment in src/puppet/enrol.ts.
import { baseinstanceFanOut, countOptions, singleHostname } from '../../origin/baseinstance-count.js';
import { baseInstance, renderBaseInstance } from '../../origin/baseinstance-plan.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { instanceHardeningOptions, instanceName } from '../ec2/options.js';
import { enrolOptions, requireEnrol } from '../../puppet/enrol.js';
import { hostname, imageId, ipv4, positive } from '../../engine/validate.js';

export const baseinstanceTask = defineTask({
  name: 'origin:baseinstance',
  summary: 'launch a named instance, optionally with an elastic IP and an A record, and wait until SSH answers',
  args: [{ name: 'name', description: 'the Name tag of the instance', validate: instanceName }],
  options: {
    hostname: {
      type: 'string',
      description: "FQDN: set as the host's own name; with an elastic IP, also its A record",
      placeholder: 'FQDN',
      validate: hostname,
    },
    elasticip: { type: 'boolean', description: 'allocate an elastic IP (or reuse the one the A record names) and associate it' },
    ipaddress: {
      type: 'string',
      description: 'use this existing elastic IP of the account',
      placeholder: 'IP',
      validate: ipv4,
    },
    image: { type: 'string', description: 'AMI to launch (default: BaseOSImage of the --baseos section)', placeholder: 'AMI', validate: imageId },
    baseos: {
      type: 'string',
      description: 'section of the awscred file whose BaseOSImage is launched and whose RemoteUser logs in',
      default: 'fedora19',
      placeholder: 'NAME',
      validate: (v: string) => (/^[A-Za-z0-9._-]+$/.test(v) ? undefined : 'a section name such as fedora19 or rhel6.4'),
    },
    type: { type: 'string', description: 'instance type (default: AWSEC2Type of the awscred file)', placeholder: 'TYPE' },
    keypair: { type: 'string', description: 'EC2 key pair (default: AWSKeyPairName of the awscred file)', placeholder: 'NAME' },
    securitygroup: { type: 'list', description: 'security groups', default: ['default'], placeholder: 'GROUP' },
    disksize: { type: 'number', description: "root volume size in GiB (default: the image's)", placeholder: 'GIB', validate: positive },
    userdata: { type: 'string', description: 'file whose content is passed as user data', placeholder: 'FILE' },
    ...instanceHardeningOptions,
    timeout: { type: 'number', description: 'seconds for the whole run to get there', default: 600, placeholder: 'SECONDS', validate: positive },
    reuse: { type: 'boolean', description: 'continue from a pending or running instance of this name instead of refusing' },
    ...enrolOptions,
    ...countOptions,
  },
  example: 'origin-setup origin:baseinstance web --count 5 --domain infra.example.org --elasticip --enrol puppet.infra.example.org',
  async run(ctx, { name }, opts) {
    requireEnrol(opts);
    return baseInstance(ctx, {
      name,
      hostname: singleHostname(name, opts),
      elasticip: opts.elasticip,
      ipaddress: opts.ipaddress,
      image: opts.image,
      baseos: opts.baseos,
      type: opts.type,
      keypair: opts.keypair,
      securitygroup: opts.securitygroup,
      disksize: opts.disksize,
      encrypted: opts.encrypted,
      imds: opts.imds,
      userdata: opts.userdata,
      timeout: opts.timeout,
      reuse: opts.reuse,
      ...(opts.enrol !== undefined
        ? { enrol: { master: opts.enrol, ca: opts.enrolCa, os: opts.enrolOs, source: opts.enrolSource, wait: opts.enrolWait } }
        : {}),
    });
  },
  render: renderBaseInstance,
  fanOut: ({ name }, opts) => baseinstanceFanOut(name, opts),
});

export const baseinstanceTasks: SomeTask[] = [baseinstanceTask];
