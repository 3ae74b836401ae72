// EC2 and Route53 clients, built lazily the first time a task needs one. This is the
// only place the AWS SDK is imported at run time, so startup, `list` and `help` never
// load it.
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type * as Route53Sdk from '@aws-sdk/client-route-53';
import type { Settings } from '../config/settings.js';
import type { Redactor } from '../engine/output.js';
import { BudgetedRetryStrategy, MAX_ATTEMPTS } from './retry.js';

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
    /** Where the retry notice goes: a terminal's progress line, or nowhere. */
    private readonly progress?: (text: string) => void,
  ) {}

  ec2(): Promise<Ec2Api> {
    this.ec2Promise ??= (async () => {
      silenceSdkVersionNotice();
      const sdk = await import('@aws-sdk/client-ec2');
      const client = new sdk.EC2Client(this.clientConfig(this.settings.region()));
      this.redactResolvedCredentials(client);
      return { sdk, client };
    })();
    return this.ec2Promise;
  }

  route53(): Promise<Route53Api> {
    this.route53Promise ??= (async () => {
      silenceSdkVersionNotice();
      const sdk = await import('@aws-sdk/client-route-53');
      // Route53 is a global service; the SDK signs for us-east-1 whatever region is set.
      const client = new sdk.Route53Client(this.clientConfig(this.settings.region() ?? 'us-east-1'));
      this.redactResolvedCredentials(client);
      return { sdk, client };
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
      retryMode: string;
      retryStrategy: BudgetedRetryStrategy;
      credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    } = {
      // Adaptive mode, 60 s of backoff for a throttled call, delays scaled (src/aws/retry.ts).
      maxAttempts: MAX_ATTEMPTS,
      retryMode: 'adaptive',
      retryStrategy: new BudgetedRetryStrategy({ scale: this.settings.timeScale, notify: this.progress }),
    };
    if (region) config.region = region;
    if (this.settings.flags.endpointUrl) config.endpoint = this.settings.flags.endpointUrl;
    if (this.settings.flags.profile) config.profile = this.settings.flags.profile;
    // Settings registered the file's secrets with the redactor when it read the file.
    if (cred?.accessKeyId && cred.secretAccessKey) {
      config.credentials = {
        accessKeyId: cred.accessKeyId,
        secretAccessKey: cred.secretAccessKey,
        ...(cred.sessionToken ? { sessionToken: cred.sessionToken } : {}),
      };
    }
    return config;
  }

  /**
   * Whatever the SDK's credential chain resolves (SSO, credential_process, a profile's
   * keys, container or instance credentials) is registered with the redactor before the
   * request is sent, so nothing printed after the first AWS request can show it. The
   * identity is read where the SDK keeps it for signing: resolved in the serialize step,
   * so it is there in the build step.
   */
  private redactResolvedCredentials(client: { middlewareStack: { add(mw: unknown, options: object): void } }): void {
    const redactor = this.redactor;
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: Record<string, unknown>) => async (args: unknown) => {
        const smithy = context.__smithy_context as { selectedHttpAuthScheme?: { identity?: Record<string, unknown> } } | undefined;
        const identity = smithy?.selectedHttpAuthScheme?.identity;
        for (const key of ['secretAccessKey', 'sessionToken']) {
          const value = identity?.[key];
          if (typeof value === 'string') redactor.add(value);
        }
        return next(args);
      },
      { step: 'build', name: 'originSetupRedactCredentials', override: true },
    );
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
