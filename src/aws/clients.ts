// EC2 and Route53 clients, built lazily the first time a task needs one. This is the
// only place the AWS SDK is imported at run time, so startup, `list` and `help` never
// load it.
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type * as Route53Sdk from '@aws-sdk/client-route-53';
import type { Settings } from '../config/settings.js';
import type { Redactor } from '../engine/output.js';

export interface Ec2Api {
  client: Ec2Sdk.EC2Client;
  sdk: typeof Ec2Sdk;
}

export interface Route53Api {
  client: Route53Sdk.Route53Client;
  sdk: typeof Route53Sdk;
}

export class AwsClients {
  private ec2Promise?: Promise<Ec2Api>;
  private route53Promise?: Promise<Route53Api>;

  constructor(
    private readonly settings: Settings,
    private readonly redactor: Redactor,
  ) {}

  ec2(): Promise<Ec2Api> {
    this.ec2Promise ??= (async () => {
      silenceSdkVersionNotice();
      const sdk = await import('@aws-sdk/client-ec2');
      return { sdk, client: new sdk.EC2Client(this.clientConfig(this.settings.region())) };
    })();
    return this.ec2Promise;
  }

  route53(): Promise<Route53Api> {
    this.route53Promise ??= (async () => {
      silenceSdkVersionNotice();
      const sdk = await import('@aws-sdk/client-route-53');
      // Route53 is a global service; the SDK signs for us-east-1 whatever region is set.
      return { sdk, client: new sdk.Route53Client(this.clientConfig(this.settings.region() ?? 'us-east-1')) };
    })();
    return this.route53Promise;
  }

  private clientConfig(region: string | undefined) {
    const cred = this.settings.awscred();
    const config: {
      region?: string;
      endpoint?: string;
      profile?: string;
      maxAttempts: number;
      credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    } = { maxAttempts: 5 };
    if (region) config.region = region;
    if (this.settings.flags.endpointUrl) config.endpoint = this.settings.flags.endpointUrl;
    if (this.settings.flags.profile) config.profile = this.settings.flags.profile;
    if (cred?.accessKeyId && cred.secretAccessKey) {
      this.redactor.add(cred.secretAccessKey);
      this.redactor.add(cred.sessionToken);
      config.credentials = {
        accessKeyId: cred.accessKeyId,
        secretAccessKey: cred.secretAccessKey,
        ...(cred.sessionToken ? { sessionToken: cred.sessionToken } : {}),
      };
    }
    return config;
  }
}

/**
 * The SDK prints a NodeDeprecationWarning when Node's version nears end of life. It is
 * aimed at developers, not at the operator running a command, so it is dropped here.
 */
let silenced = false;
function silenceSdkVersionNotice(): void {
  if (silenced) return;
  silenced = true;
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (/^Node(Deprecation|VersionSupport)Warning$/.test(type ?? '') || /AWS SDK for JavaScript/i.test(text)) return;
    (original as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
