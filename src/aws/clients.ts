// EC2 and Route53 clients, built lazily the first time a task needs one. This is the
// only place the AWS SDK is imported at run time, so startup, `list` and `help` never
// load it.
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type * as Route53Sdk from '@aws-sdk/client-route-53';
import { format } from 'node:util';
import type { Settings } from '../config/settings.js';
import type { Redactor } from '../engine/output.js';
import { BudgetedRetryStrategy, MAX_ATTEMPTS } from './retry.js';

/**
 * Where the tool's AWS layer reports: the one-line warnings a user should read, and the
 * debug channel (shown with --debug only) that every message of the SDK itself goes to.
 * The run's Output is one.
 */

/** The access key id every sandbox request is signed with. */
export const SANDBOX_KEY_ID = 'AKIDSANDBOXEXAMPLE';
export interface AwsDiagnostics {
  warn(text: string): void;
  debug(text: string): void;
}

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

  private diagnostics?: AwsDiagnostics;
  private warned = false;

  /**
   * Sends this run's AWS warnings and the SDK's own messages to the run's output. Until
   * it is called they go to the process's stderr, formatted the same way (the terminal,
   * when the tool runs as a command).
   */
  reportTo(diagnostics: AwsDiagnostics): void {
    this.diagnostics = diagnostics;
  }

  private report(): AwsDiagnostics {
    return this.diagnostics ?? stderrDiagnostics(this.settings.flags.debug, this.redactor);
  }

  /**
   * What every client needs before it is built: the SDK's messages routed to our debug
   * channel, the region checked, and one warning when two credential sources compete.
   */
  private async prepare(): Promise<void> {
    routeSdkWarnings(() => this.report());
    const sources = await import('./credential-sources.js');
    const region = this.settings.region();
    if (region) sources.checkRegion(region, sources.regionSource(this.settings) ?? 'region');
    if (!this.warned) {
      this.warned = true;
      const conflict = sources.credentialConflict(this.settings);
      if (conflict) this.report().warn(conflict);
    }
  }

  ec2(): Promise<Ec2Api> {
    this.ec2Promise ??= (async () => {
      await this.prepare();
      const sdk = await import('@aws-sdk/client-ec2');
      const client = new sdk.EC2Client(this.clientConfig(this.settings.region()));
      this.redactResolvedCredentials(client);
      this.explainSetupErrors(client);
      return { sdk, client };
    })();
    return this.ec2Promise;
  }

  route53(): Promise<Route53Api> {
    this.route53Promise ??= (async () => {
      await this.prepare();
      const sdk = await import('@aws-sdk/client-route-53');
      // Route53 is a global service; the SDK signs for us-east-1 whatever region is set.
      const client = new sdk.Route53Client(this.clientConfig(this.settings.region() ?? 'us-east-1'));
      this.redactResolvedCredentials(client);
      this.explainSetupErrors(client);
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
      logger: SdkLogger;
      credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    } = {
      // Adaptive mode, 60 s of backoff for a throttled call, delays scaled (src/aws/retry.ts).
      maxAttempts: MAX_ATTEMPTS,
      retryMode: 'adaptive',
      retryStrategy: new BudgetedRetryStrategy({ scale: this.settings.timeScale, notify: this.progress }),
      // The credential providers warn through the client's logger when it has one (and
      // straight to the console when it has not): all of it belongs to --debug.
      logger: sdkLogger(() => this.report()),
    };
    if (region) config.region = region;
    const sandbox = this.settings.sandbox;
    if (sandbox) {
      // Fixed, fake keys: no credential provider runs, and nothing but the loopback
      // endpoint is ever contacted.
      config.endpoint = sandbox.endpoint;
      config.credentials = { accessKeyId: SANDBOX_KEY_ID, secretAccessKey: 'sandbox-not-a-secret' };
      return config;
    }
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

  /**
   * When the credential chain or the region lookup fails, the SDK's message names neither
   * the profile nor the files it read, and its "run aws sso login" does not say for which
   * profile. The error is replaced by one that does (src/aws/credential-sources.ts); the
   * SDK's own words go to the debug channel. Outermost, so nothing else sees the original.
   */
  private explainSetupErrors(client: { middlewareStack: { add(mw: unknown, options: object): void } }): void {
    const settings = this.settings;
    const report = () => this.report();
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        try {
          return await next(args);
        } catch (err) {
          const { explainSetupError } = await import('./credential-sources.js');
          const better = await explainSetupError(err, settings);
          if (!better) throw err;
          report().debug(`AWS SDK: ${err instanceof Error ? err.message : String(err)}`);
          throw better;
        }
      },
      { step: 'initialize', name: 'originSetupExplainSetupErrors', priority: 'high', override: true },
    );
  }
}

interface SdkLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

/**
 * The client's logger. Warnings and debug text go to our debug channel, one line each.
 * info and error carry whole request and response objects, once per call: too much for
 * --debug, and the error is reported by the tool anyway; they are dropped.
 */
function sdkLogger(report: () => AwsDiagnostics): SdkLogger {
  const toDebug = (...content: unknown[]) => debugLines(report(), format(...content));
  return { debug: toDebug, warn: toDebug, info: () => {}, error: () => {} };
}

function debugLines(diagnostics: AwsDiagnostics, text: string): void {
  for (const line of text.split('\n')) if (line.trim() !== '') diagnostics.debug(line.trimEnd());
}

/** Before reportTo(): the process's stderr, redacted, debug lines only with --debug. */
function stderrDiagnostics(debug: boolean, redactor: Redactor): AwsDiagnostics {
  return {
    warn: (text) => process.stderr.write(`${redactor.redact(`warning: ${text}`)}\n`),
    debug: (text) => {
      if (debug) process.stderr.write(`${redactor.redact(`debug: ${text}`)}\n`);
    },
  };
}

/**
 * Some of the SDK's messages bypass the client's logger: process.emitWarning (the
 * Node-version notice) and console.warn / console.error (the "default STS region"
 * notice, timestamp format notices, a provider built without a logger). They are meant
 * for the developer of a program, not for the person running a command, so they go to
 * the debug channel of the run that last built a client. What does not come from the
 * SDK passes through untouched: a warning is told apart by its type and text, a console
 * message by whether the SDK's code is on the stack.
 */
let sdkDiagnostics: (() => AwsDiagnostics) | undefined;
let routed = false;
const SDK_CODE = /[\\/]node_modules[\\/]@(aws-sdk|smithy)[\\/]/;

export function routeSdkWarnings(diagnostics: () => AwsDiagnostics): void {
  sdkDiagnostics = diagnostics;
  if (routed) return;
  routed = true;
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const fromSdk =
      /^Node(Deprecation|VersionSupport)Warning$/.test(type ?? '') ||
      /AWS SDK for JavaScript|@aws-sdk|@smithy/i.test(text) ||
      SDK_CODE.test(new Error().stack ?? '');
    if (fromSdk && sdkDiagnostics) return debugLines(sdkDiagnostics(), `${type ? `${type}: ` : ''}${text}`);
    (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
  };
  for (const level of ['warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...content: unknown[]) => {
      if (sdkDiagnostics && SDK_CODE.test(new Error().stack ?? '')) return debugLines(sdkDiagnostics(), format(...content));
      original(...content);
    };
  }
}
