// Global options, the config file and the environment, resolved once per run.
// The config file is read lazily: `list` and `help` never touch it.
import { findAwsCredPath, loadAwsCred, type AwsCred } from './awscred.js';

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
}

export class Settings {
  private cred: AwsCred | null | undefined;

  constructor(
    readonly flags: GlobalFlags,
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
    readonly home: string,
  ) {}

  /** The awscred file, or null when there is none (the SDK chain is used then). */
  awscred(): AwsCred | null {
    if (this.cred === undefined) {
      const path = findAwsCredPath(this.flags.awscred, this.cwd, this.home);
      this.cred = path ? loadAwsCred(path) : null;
    }
    return this.cred;
  }

  /** --region, then the config file, then AWS_REGION / AWS_DEFAULT_REGION; else the SDK's own lookup. */
  region(): string | undefined {
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
