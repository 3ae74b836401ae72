// Global options, the config file and the environment, resolved once per run.
// The config file is read lazily: `list` and `help` never touch it.
// Every secret it learns (the file's, the environment's) goes to the redactor as soon as
// it is known, before anything the run prints.
import type { SecretSink } from '../engine/output.js';
import { findAwsCredPath, loadAwsCred, type AwsCred } from './awscred.js';

/** Environment variables that hold a secret. */
export const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'PUPPET_CORE_KEY'] as const;

/** Registers the environment's secrets, as given and trimmed (forgeKey trims PUPPET_CORE_KEY). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv, sink: SecretSink): void {
  for (const key of SECRET_ENV) {
    sink.add(env[key]);
    sink.add(env[key]?.trim());
  }
}

export interface GlobalFlags {
  verbose: boolean;
  quiet: boolean;
  debug: boolean;
  json: boolean;
  dryRun: boolean;
  color: boolean;
  awscred?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  /** SSH: login user, private key, and whether unknown host keys are refused. */
  username?: string;
  sshKey?: string;
  strictHostKeys: boolean;
  /** Leave what a failed run created, and list it, instead of removing it. */
  keepOnFailure: boolean;
  /** Run against the embedded EC2 and Route53 (also ORIGIN_SETUP_SANDBOX=1). */
  sandbox?: boolean;
  /** Where the sandbox keeps its state (default ~/.local/state/origin-setup/sandbox). */
  sandboxDir?: string;
  /** A real SSH host that stands for every sandbox instance. */
  sandboxSsh?: string;
}

/** Where a run that talks to the embedded sandbox sends its requests, and what it pretends to have. */
export interface SandboxBinding {
  endpoint: string;
  dir: string;
  /** The sandbox's own defaults in place of an awscred file: no secret, a key pair, base images. */
  cred: AwsCred;
  /** --sandbox-ssh HOST, when given. */
  ssh?: string;
}

/** True when this run is a sandbox run: --sandbox (or --sandbox-dir), or ORIGIN_SETUP_SANDBOX=1. */
export function wantsSandbox(flags: Pick<GlobalFlags, 'sandbox' | 'sandboxDir' | 'sandboxSsh'>, env: NodeJS.ProcessEnv): boolean {
  return Boolean(flags.sandbox || flags.sandboxDir || flags.sandboxSsh) || env.ORIGIN_SETUP_SANDBOX === '1';
}

export class Settings {
  private cred: AwsCred | null | undefined;
  /** Set once the embedded sandbox is up: then no awscred file and no credential chain are read. */
  sandbox?: SandboxBinding;

  constructor(
    readonly flags: GlobalFlags,
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
    readonly home: string,
    private readonly secrets?: SecretSink,
  ) {
    if (secrets) registerEnvSecrets(env, secrets);
  }

  /** The awscred file, or null when there is none (the SDK chain is used then). */
  awscred(): AwsCred | null {
    if (this.sandbox) return this.sandbox.cred;
    if (this.cred === undefined) {
      const path = findAwsCredPath(this.flags.awscred, this.cwd, this.home);
      this.cred = path ? loadAwsCred(path, (secret) => this.secrets?.add(secret)) : null;
    }
    return this.cred;
  }

  /** --region, then the config file, then AWS_REGION / AWS_DEFAULT_REGION; else the SDK's own lookup. */
  region(): string | undefined {
    if (this.sandbox) return this.flags.region ?? this.sandbox.cred.region;
    return this.flags.region ?? this.awscred()?.region ?? this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
  }

  /**
   * Multiplies every wait and poll delay. 1 in real use; tests and benchmarks set
   * ORIGIN_SETUP_TIME_SCALE to run the same waiting logic in milliseconds.
   */
  get timeScale(): number {
    const v = Number(this.env.ORIGIN_SETUP_TIME_SCALE);
    return Number.isFinite(v) && v > 0 ? v : 1;
  }
}
