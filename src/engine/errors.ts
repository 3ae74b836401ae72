// The small set of errors a task may throw. They are turned into one-line messages and
// exit codes in exactly one place (formatError / exitCodeFor), never in task code.

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export class OriginError extends Error {
  readonly exitCode: number = EXIT.failed;
  /** A stable word for scripts (`--json` error envelopes): what kind of failure this is. */
  get errorCode(): string {
    return 'failed';
  }
  /** What the user can do about it, appended after the message. */
  readonly hint?: string;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad input: unknown task, missing argument, malformed value. Exit 2, printed with the usage line. */
export class UsageError extends OriginError {
  override readonly exitCode: number = EXIT.usage;
  override get errorCode(): string {
    return 'usage';
  }
  usage?: string;
}

/**
 * A configuration file that cannot be used (unreadable, not text, not INI). Exit 2 like a
 * usage error, but without the task's usage line: the command line was fine.
 */
export class ConfigError extends OriginError {
  override readonly exitCode: number = EXIT.usage;
  override get errorCode(): string {
    return 'config';
  }
}

/** A named resource does not exist, or a name matches more than one. */
export class NotFoundError extends OriginError {
  override get errorCode(): string {
    return 'not-found';
  }
}

/** A deadline passed while waiting for something. */
export class TimeoutError extends OriginError {
  override get errorCode(): string {
    return 'timeout';
  }
}

/** A remote command exited non-zero when the task did not expect it. */
export class RemoteCommandError extends OriginError {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly code: number,
    /** The last lines the command printed (stdout's, then stderr's; see ssh/exec.ts outputTail). */
    readonly outputTail: readonly string[],
    options: { hint?: string } = {},
  ) {
    const tail = outputTail.length ? `: ${outputTail.join(' | ')}` : '';
    super(`${host}: \`${command}\` exited ${code}${tail}`, options);
  }
  override get errorCode(): string {
    return 'remote-command';
  }
}

/** The run was interrupted (Ctrl-C). */
export class InterruptedError extends OriginError {
  override readonly exitCode: number = EXIT.interrupted;
  override get errorCode(): string {
    return 'interrupted';
  }
  constructor() {
    super('interrupted');
  }
}

/**
 * Ends a run early and successfully: EC2 answered a DryRun request with
 * DryRunOperation, which means "you have permission; nothing was done".
 */
export class DryRunStop extends OriginError {
  override readonly exitCode: number = EXIT.ok;
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof OriginError) return err.exitCode;
  return EXIT.failed;
}
