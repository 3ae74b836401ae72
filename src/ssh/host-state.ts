// One host's connection lifecycle: opened on first use, shared by every task of the
// run, reopened once when it drops, closed at the end. Commands and files go through
// it; a probe gets a fresh login of its own.
import type { Client } from 'ssh2';
import { computeHost, type HostConfig, type ParsedSshConfig } from './config.js';
import { openConnection, type ConnectLimits, type Ssh2 } from './connect.js';
import { SshError } from './errors.js';
import { loginUser } from './login-target.js';
import type { ShellCommand } from './quote.js';
import { CommandRunner } from './run.js';
import { FileTransfer } from './transfer.js';
import type { ExecResult, RunOptions, SshLog, SshSettings, UploadOptions, UserSource } from './types.js';

/** What a host needs from its pool: the run's settings, ssh2 loaded once, the handshake count. */
export interface HostPool {
  readonly settings: SshSettings;
  ssh2(): Promise<Ssh2>;
  handshakes: number;
}

/** Everything the pool knows about one host name; shared by the handles tasks hold. */
export class HostState {
  readonly config: HostConfig;
  user: string;
  userSource: UserSource;
  private client?: Client;
  private alive = false;
  private everConnected = false;
  private connecting?: Promise<Client>;
  private readonly commands = new CommandRunner(this);
  private readonly files = new FileTransfer(this);

  constructor(
    private readonly pool: HostPool,
    readonly alias: string,
    private readonly parsed: ParsedSshConfig,
  ) {
    this.config = computeHost(parsed, alias).host;
    ({ user: this.user, userSource: this.userSource } = loginUser(pool.settings, this.config, alias));
  }

  get settings(): SshSettings {
    return this.pool.settings;
  }

  isAlive(client: Client): boolean {
    return this.client === client && this.alive;
  }

  lost(client: Client): void {
    if (this.client === client) this.alive = false;
  }

  /** The live connection, opening it on first use; a dropped one is reopened once. */
  connection(log: SshLog, limits: ConnectLimits = {}): Promise<Client> {
    if (this.client && this.alive) return Promise.resolve(this.client);
    if (!this.connecting) {
      const reopening = this.everConnected;
      if (reopening) log.verbose(`${this.alias}: the connection was lost; reopening it`);
      this.client?.destroy();
      this.connecting = this.open(log, limits)
        .then(
          (client) => {
            this.client = client;
            this.alive = true;
            this.everConnected = true;
            return client;
          },
          (err: unknown) => {
            if (reopening && err instanceof SshError) {
              throw new SshError(err.kind, this.alias, `the connection to ${this.alias} was lost and reopening it failed: ${err.message}`, {
                hint: err.hint,
              });
            }
            throw err;
          },
        )
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  private async open(log: SshLog, limits: ConnectLimits): Promise<Client> {
    const lib = await this.pool.ssh2();
    return openConnection(lib, this, { handshake: () => this.pool.handshakes++, lost: (client) => this.lost(client) }, log, limits);
  }

  run(command: ShellCommand, options: RunOptions, log: SshLog): Promise<ExecResult> {
    return this.commands.run(command, options, log);
  }

  upload(content: string | Buffer, remotePath: string, options: UploadOptions, log: SshLog): Promise<void> {
    return this.files.upload(content, remotePath, options, log);
  }

  uploadFile(localPath: string, remotePath: string, options: UploadOptions, log: SshLog): Promise<void> {
    return this.files.uploadFile(localPath, remotePath, options, log);
  }

  download(remotePath: string, localPath: string, log: SshLog): Promise<void> {
    return this.files.download(remotePath, localPath, log);
  }

  /**
   * A fresh login on a connection of its own, closed at once, running `command`. It
   * proves that sshd, the key and a shell work now (after a boot or a firewall change)
   * without touching the pooled connection other tasks may be using.
   */
  async probe(command: ShellCommand, options: RunOptions, log: SshLog): Promise<ExecResult> {
    const fresh = new HostState(this.pool, this.alias, this.parsed);
    if (this.userSource === 'host') [fresh.user, fresh.userSource] = [this.user, this.userSource]; // no second redirect
    try {
      return await fresh.run(command, { ...options, readOnly: true }, log);
    } finally {
      await fresh.close();
    }
  }

  /** Closes the connection on purpose: the next command opens a new login (not a "lost" one). */
  async relogin(): Promise<void> {
    await this.close();
    this.everConnected = false;
  }

  async close(): Promise<void> {
    const client = this.client;
    const wasAlive = this.alive;
    this.client = undefined;
    this.alive = false;
    this.files.forget();
    if (!client) return;
    if (!wasAlive) {
      client.destroy(); // already closed: no 'close' event will come
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 2000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        client.end();
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
