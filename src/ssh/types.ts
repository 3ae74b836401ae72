// The contract between tasks and the SSH layer. Tasks see only RemoteHost; the pool,
// ssh_config, known_hosts and sftp details stay inside src/ssh/.
import type { ShellCommand } from './quote.js';

export interface RunOptions {
  /** Run as root: through `sudo -n` when the login user is not root. */
  sudo?: boolean;
  /** Exit codes that are answers, not failures (probes); 'any' accepts every code. */
  allowExit?: readonly number[] | 'any';
  /** Data written to the command's stdin. */
  stdin?: string;
  /**
   * A probe that changes nothing. It runs even under --dry-run; every other
   * command is printed instead of run when --dry-run is set.
   */
  readOnly?: boolean;
  /** Fail the command after this long (seconds, scaled by the run's time scale). */
  timeoutSeconds?: number;
  /**
   * At most this long (seconds, scaled) for a connection this command opens, instead of
   * ConnectTimeout or the pool's default: what is left of a wait's --timeout.
   */
  connectTimeoutSeconds?: number;
  /**
   * What stops this command (SIGINT, then the channel closes): the stop of the task's own
   * host in a many-host run. Default: the run's.
   */
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number;
  /** Output split into lines (\r\n and \n), without a trailing empty line. */
  stdout: string[];
  stderr: string[];
  durationMs: number;
}

export interface UploadOptions {
  /** Octal mode such as '0644'. */
  mode?: string;
  owner?: string;
  group?: string;
  /** The destination needs root: upload to a temporary path, then `sudo install`. */
  sudo?: boolean;
}

/**
 * Where the login user came from: --username, ~/.ssh/config, RemoteUser in the config
 * file, the host itself (a cloud image that refuses root and names its user), or the
 * last resort, root.
 */
export type UserSource = 'flag' | 'ssh-config' | 'config' | 'host' | 'default';

export interface RemoteHost {
  /** The host name as the user gave it. */
  readonly name: string;
  /** The login user actually used. */
  readonly user: string;
  readonly isRoot: boolean;
  /** Where `user` came from (the pool sets it; absent in simple test doubles). */
  readonly userSource?: UserSource;
  /** The run's pooled connection to this host is open now (absent in simple test doubles). */
  readonly connected?: boolean;
  /**
   * Opens the connection now (it is otherwise opened by the first command), failing
   * as a command would: an SshError from src/ssh/errors.ts says which kind of failure.
   */
  connect?(): Promise<void>;
  /**
   * Runs a read-only command over a fresh login of its own, closed right after, leaving
   * the pooled connection alone: a probe that a new login works now (remote:available,
   * waiting for a reboot).
   */
  probe?(command: ShellCommand, options?: RunOptions): Promise<ExecResult>;
  /**
   * Opens a new connection and reads sshd's greeting without logging in: that new
   * connections reach sshd now (after a firewall change). Returns the greeting line.
   */
  greeting?(): Promise<string>;
  /**
   * Ends the run's connection so the next command logs in afresh: what changed about
   * the login itself (a group joined with usermod) applies from a new login only.
   */
  relogin?(): Promise<void>;
  run(command: ShellCommand, options?: RunOptions): Promise<ExecResult>;
  /** Writes content to a remote file. */
  upload(content: string | Buffer, remotePath: string, options?: UploadOptions): Promise<void>;
  uploadFile(localPath: string, remotePath: string, options?: UploadOptions): Promise<void>;
  download(remotePath: string, localPath: string): Promise<void>;
}

/** Who and how to connect, from the global flags; resolved per host by the pool. */
export interface SshSettings {
  username?: string;
  sshKey?: string;
  strictHostKeys: boolean;
  /** RemoteUser from the awscred file (top level or the --baseos section). */
  configRemoteUser?: string;
  /**
   * A login user a task knows for one host (origin:baseinstance: RemoteUser of the
   * [--baseos] section for the host it built); after --username and ssh_config, before
   * configRemoteUser.
   */
  userFor?: (host: string) => string | undefined;
  /** AWSKeyPairName from the awscred file: ~/.ssh/<name>.pem is tried. */
  keyPairName?: string;
  home: string;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  timeScale: number;
  connectTimeoutSeconds: number;
  /** The run's stop signal: a connect or a command under way ends at once when it fires. */
  signal?: AbortSignal;
  /** A real host to connect to in place of this one (the sandbox's --sandbox-ssh HOST). */
  standIn?: (alias: string) => string | undefined;
}

export interface SshLog {
  verbose(text: string): void;
  debug(text: string): void;
  info(text: string): void;
}
