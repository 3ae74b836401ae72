// One SSH connection per host per run, opened on first use and shared by every task
// of the run. The runner imports this module lazily; ssh2 itself is loaded with a
// dynamic import on the first connection, so `list` and `help` never load it.
import type { Client } from 'ssh2';
import { UsageError } from '../engine/errors.js';
import { computeHost, loadSshConfig, type HostConfig, type ParsedSshConfig } from './config.js';
import { openConnection, type Ssh2 } from './connect.js';
import { SshError } from './errors.js';
import { loginUser } from './login-target.js';
import type { ShellCommand } from './quote.js';
import { CommandRunner } from './run.js';
import { FileTransfer } from './transfer.js';
import type { ExecResult, RemoteHost, RunOptions, SshLog, SshSettings, UploadOptions, UserSource } from './types.js';

// test/ssh/units.test.ts checks the connect messages through this module.
export { describeConnectError, type ConnectFailureContext } from './connect-errors.js';

export class SshPool {
  handshakes = 0;
  private readonly hosts = new Map<string, HostState>();
  private parsed?: ParsedSshConfig;
  private lib?: Promise<Ssh2>;

  constructor(readonly settings: SshSettings) {}

  async host(name: string, log: SshLog): Promise<RemoteHost> {
    if (!/^[A-Za-z0-9_.:%[\]-]+$/.test(name) || name.startsWith('-')) {
      throw new UsageError(`bad host name ${JSON.stringify(name)}: expected a DNS name, an address or a ~/.ssh/config Host`);
    }
    let state = this.hosts.get(name);
    if (!state) {
      state = new HostState(this, name, this.sshConfig(log));
      this.hosts.set(name, state);
    }
    return new HostHandle(state, log);
  }

  async close(): Promise<void> {
    const states = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(states.map((s) => s.close()));
  }

  /** @internal */
  ssh2(): Promise<Ssh2> {
    this.lib ??= import('ssh2').then((m) => ((m as unknown as { default?: Ssh2 }).default ?? m) as Ssh2);
    return this.lib;
  }

  private sshConfig(log: SshLog): ParsedSshConfig {
    if (!this.parsed) {
      this.parsed = loadSshConfig(this.settings.home);
      if (this.parsed.hasInclude) log.debug(`${this.parsed.path}: Include directives are not followed`);
    }
    return this.parsed;
  }
}

/** Everything the pool knows about one host name; shared by the handles tasks hold. */
class HostState {
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
    private readonly pool: SshPool,
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
  connection(log: SshLog): Promise<Client> {
    if (this.client && this.alive) return Promise.resolve(this.client);
    if (!this.connecting) {
      const reopening = this.everConnected;
      if (reopening) log.verbose(`${this.alias}: the connection was lost; reopening it`);
      this.client?.destroy();
      this.connecting = this.open(log)
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

  private async open(log: SshLog): Promise<Client> {
    const lib = await this.pool.ssh2();
    return openConnection(lib, this, { handshake: () => this.pool.handshakes++, lost: (client) => this.lost(client) }, log);
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

/** What a task holds: the shared host state seen through that task's log. */
class HostHandle implements RemoteHost {
  constructor(
    private readonly state: HostState,
    private readonly log: SshLog,
  ) {}
  get name(): string {
    return this.state.alias;
  }
  get user(): string {
    return this.state.user;
  }
  get isRoot(): boolean {
    return this.state.user === 'root';
  }
  get userSource(): UserSource {
    return this.state.userSource;
  }
  async connect(): Promise<void> {
    await this.state.connection(this.log);
  }
  probe(command: ShellCommand, options: RunOptions = {}): Promise<ExecResult> {
    return this.state.probe(command, options, this.log);
  }
  run(command: ShellCommand, options: RunOptions = {}): Promise<ExecResult> {
    return this.state.run(command, options, this.log);
  }
  upload(content: string | Buffer, remotePath: string, options: UploadOptions = {}): Promise<void> {
    return this.state.upload(content, remotePath, options, this.log);
  }
  uploadFile(localPath: string, remotePath: string, options: UploadOptions = {}): Promise<void> {
    return this.state.uploadFile(localPath, remotePath, options, this.log);
  }
  download(remotePath: string, localPath: string): Promise<void> {
    return this.state.download(remotePath, localPath, this.log);
  }
}
