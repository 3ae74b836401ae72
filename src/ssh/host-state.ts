// One host's connection lifecycle: opened on first use, shared by every task of the
// run, reopened once when it drops, closed at the end. Commands and files go through
// it; a probe gets a fresh login of its own.
import type { Client } from 'ssh2';
import { computeHost, expandTokens, where, type HostConfig, type JumpHop, type ParsedSshConfig, type ProxySetting } from './config.js';
import { openConnection, type ConnectLimits, type Ssh2 } from './connect.js';
import { SshError } from './errors.js';
import { readGreeting } from './greeting.js';
import { scaledMs } from './exec.js';
import { jumpUser, loginUser, pathTokens, whereOf } from './login-target.js';
import { forwardThrough, spawnProxyCommand, type ProxiedSocket } from './proxy.js';
import type { ShellCommand } from './quote.js';
import { CommandRunner } from './run.js';
import { FileTransfer } from './transfer.js';
import type { ExecResult, RunOptions, SshLog, SshSettings, UserSource } from './types.js';

/** What a host needs from its pool: the run's settings, ssh2 loaded once, the handshake count, jump hosts. */
export interface HostPool {
  readonly settings: SshSettings;
  ssh2(): Promise<Ssh2>;
  handshakes: number;
  /** The pool's one HostState for this ProxyJump hop (reached through `via`, else as its own ssh_config says). */
  jumpHost(hop: JumpHop, via: JumpVia | undefined, log: SshLog): HostState;
}

/** The hops before the last one of a ProxyJump list: how that last hop is reached. */
export interface JumpVia {
  hops: JumpHop[];
  at: ProxySetting['at'];
}

/** A HostState that is a jump host: its hop (user and port from the ProxyJump line) and how it is reached. */
export interface JumpRole {
  hop: JumpHop;
  via?: JumpVia;
  /** The pool's key for it, which ProxyJump loops are detected with. */
  key: string;
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
  /** Commands and file transfers on this host's connection; task handles call them directly. */
  readonly commands = new CommandRunner(this);
  readonly files = new FileTransfer(this);

  constructor(
    private readonly pool: HostPool,
    readonly alias: string,
    private readonly parsed: ParsedSshConfig,
    readonly jump?: JumpRole,
  ) {
    if (jump) {
      const config = computeHost(parsed, alias, { user: jump.hop.user, port: jump.hop.port }).host;
      // `ProxyJump a,b`: b is reached through a, whatever b's own ProxyJump says (as ssh -J does).
      if (jump.via) config.proxy = { kind: 'jump', hops: jump.via.hops, keyword: 'ProxyJump', at: jump.via.at };
      this.config = config;
      ({ user: this.user, userSource: this.userSource } = jumpUser(config, jump.hop.user));
    } else {
      // A sandbox instance is reached at the real host that stands for it (--sandbox-ssh),
      // with that host's own ssh_config and known_hosts entry; messages keep the alias.
      this.config = computeHost(parsed, pool.settings.standIn?.(alias) ?? alias, { user: pool.settings.username }).host;
      ({ user: this.user, userSource: this.userSource } = loginUser(pool.settings, this.config, alias));
    }
  }

  /** What ProxyJump loops are detected with: a jump host's pool key, or the host's name. */
  get key(): string {
    return this.jump?.key ?? this.alias;
  }

  get settings(): SshSettings {
    return this.pool.settings;
  }

  /** A pooled connection is open now. */
  get isOpen(): boolean {
    return this.alive;
  }

  isAlive(client: Client): boolean {
    return this.client === client && this.alive;
  }

  lost(client: Client): void {
    if (this.client === client) this.alive = false;
  }

  /**
   * The live connection, opening it on first use; a dropped one is reopened once.
   * `chain`: the hosts whose connect waits on this one (as their jump host), to refuse a loop.
   */
  connection(log: SshLog, limits: ConnectLimits = {}, chain: readonly string[] = []): Promise<Client> {
    if (this.client && this.alive) return Promise.resolve(this.client);
    if (!this.connecting) {
      const reopening = this.everConnected;
      if (reopening) log.verbose(`${this.alias}: the connection was lost; reopening it`);
      this.client?.destroy();
      this.connecting = this.open(log, limits, chain)
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

  private async open(log: SshLog, limits: ConnectLimits, chain: readonly string[]): Promise<Client> {
    const lib = await this.pool.ssh2();
    const proxy = this.config.proxy;
    const opener = proxy ? (seconds: number) => this.openProxy(proxy, log, seconds, [...chain, this.key]) : undefined;
    return openConnection(lib, this, { handshake: () => this.pool.handshakes++, lost: (client) => this.lost(client) }, log, limits, opener);
  }

  /** The socket one handshake runs over: a channel through the pooled jump host, or a ProxyCommand. */
  private async openProxy(proxy: ProxySetting, log: SshLog, seconds: number, chain: string[]): Promise<ProxiedSocket> {
    const { hostName, port } = this.config;
    if (proxy.kind === 'command') {
      // %h %p %r %n %% as ssh_config(5) lists them for ProxyCommand (and %d %u, harmless).
      const command = expandTokens(proxy.command, pathTokens(this));
      log.verbose(`${this.alias}: through ProxyCommand ${command} (${where(proxy.at)})`);
      return spawnProxyCommand(command, this.alias, this.settings.signal, (t) => log.debug(`${this.alias}: ${t}`));
    }
    const last = proxy.hops[proxy.hops.length - 1]!;
    const before = proxy.hops.slice(0, -1);
    const jump = this.pool.jumpHost(last, before.length ? { hops: before, at: proxy.at } : undefined, log);
    if (chain.includes(jump.key)) {
      throw new SshError('other', this.alias, `ProxyJump loops: ${[...chain, jump.key].join(' -> ')} (${where(proxy.at)})`, {
        hint: 'a jump host must not be reached through itself: give it ProxyJump none',
      });
    }
    log.verbose(`${this.alias}: through ProxyJump ${jump.key} (${where(proxy.at)})`);
    const started = Date.now();
    let client: Client;
    try {
      client = await jump.connection(log, { timeoutSeconds: seconds }, chain);
    } catch (err) {
      if (!(err instanceof SshError)) throw err;
      throw new SshError(err.kind, this.alias, `cannot reach jump host ${jump.alias} for ${this.alias} (ProxyJump at ${where(proxy.at)}): ${err.message}`, {
        hint: err.hint,
        cause: err,
      });
    }
    // The channel gets what the jump host's login left of the budget.
    const left = Math.max(0.1, seconds - (Date.now() - started) / 1000 / this.settings.timeScale);
    return forwardThrough(client, {
      alias: this.alias,
      jumpAlias: jump.alias,
      host: hostName,
      port,
      timeoutSeconds: left,
      timeoutMs: scaledMs(left, this.settings.timeScale),
      signal: this.settings.signal,
    });
  }

  /** What file transfers run their `chown` and `sudo install` steps through. */
  run(command: ShellCommand, options: RunOptions, log: SshLog): Promise<ExecResult> {
    return this.commands.run(command, options, log);
  }

  /**
   * A fresh login on a connection of its own, closed at once, running `command`. It
   * proves that sshd, the key and a shell work now (after a boot or a firewall change)
   * without touching the pooled connection other tasks may be using.
   */
  async probe(command: ShellCommand, options: RunOptions, log: SshLog): Promise<ExecResult> {
    const fresh = new HostState(this.pool, this.alias, this.parsed, this.jump);
    if (this.userSource === 'host') [fresh.user, fresh.userSource] = [this.user, this.userSource]; // no second redirect
    try {
      return await fresh.commands.run(command, { ...options, readOnly: true }, log);
    } finally {
      await fresh.close();
    }
  }

  /**
   * A new connection the way a login would open it (directly or through the proxy), closed
   * once sshd's greeting arrives: proof that new connections get through, without a login.
   */
  async greeting(log: SshLog, stop?: AbortSignal): Promise<string> {
    const { hostName, port, proxy, addressFamily } = this.config;
    const budget = this.config.connectTimeout ?? this.settings.connectTimeoutSeconds;
    const started = Date.now();
    const proxied = proxy ? await this.openProxy(proxy, log, budget, [this.key]) : undefined;
    const left = Math.max(0.1, budget - (Date.now() - started) / 1000 / this.settings.timeScale);
    const line = await readGreeting(
      {
        alias: this.alias,
        where: proxied ? `${whereOf(this)} through ${proxied.via}` : whereOf(this),
        hostName,
        port,
        ...(addressFamily === 'inet' ? { family: 4 as const } : addressFamily === 'inet6' ? { family: 6 as const } : {}),
        user: this.user,
        userSource: this.userSource,
        timeoutSeconds: left,
        timeoutMs: scaledMs(left, this.settings.timeScale),
        signal: stop ?? this.settings.signal,
      },
      proxied?.sock,
    );
    log.verbose(`${this.alias}: sshd answers a new connection: ${line}`);
    return line;
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
