// One SSH connection per host per run, opened on first use and shared by every task
// of the run. The runner imports this module lazily; ssh2 itself is loaded with a
// dynamic import on the first connection, so `list` and `help` never load it.
import { userInfo } from 'node:os';
import type { Client, ConnectConfig, NextAuthHandler } from 'ssh2';
import { UsageError } from '../engine/errors.js';
import { computeHost, expandPath, loadSshConfig, type HostConfig, type ParsedSshConfig } from './config.js';
import { changedKeyError, describeConnectError } from './connect-errors.js';
import { SshError } from './errors.js';
import { scaledMs } from './exec.js';
import { planIdentities, type IdentityPlan } from './keys.js';
import {
  algorithmsForKeyType,
  blobKeyType,
  checkHostKey,
  fingerprint,
  hostToken,
  keyTypeLabel,
  knownKeyTypes,
  recordHostKey,
} from './knownhosts.js';
import { type ShellCommand } from './quote.js';
import { CommandRunner } from './run.js';
import { FileTransfer } from './transfer.js';
import type { ExecResult, RemoteHost, RunOptions, SshLog, SshSettings, UploadOptions, UserSource } from './types.js';

type Ssh2 = typeof import('ssh2');

// test/ssh/units.test.ts checks the connect messages through this module.
export { describeConnectError, type ConnectFailureContext } from './connect-errors.js';

/** ssh2's own preference order; the types already in known_hosts are moved to the front. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

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
    const s = pool.settings;
    if (s.username) [this.user, this.userSource] = [s.username, 'flag'];
    else if (this.config.user) [this.user, this.userSource] = [this.config.user, 'ssh-config'];
    else if (s.userFor?.(alias)) [this.user, this.userSource] = [s.userFor(alias)!, 'config'];
    else if (s.configRemoteUser) [this.user, this.userSource] = [s.configRemoteUser, 'config'];
    else [this.user, this.userSource] = ['root', 'default'];
  }

  get settings(): SshSettings {
    return this.pool.settings;
  }

  /** `alias (address:port)`, or just the alias when it is the address and the port is 22. */
  private get where(): string {
    const { hostName, port } = this.config;
    if (hostName === this.alias && port === 22) return this.alias;
    return `${this.alias} (${hostName}:${port})`;
  }

  private tokens() {
    return {
      home: this.settings.home,
      alias: this.alias,
      hostName: this.config.hostName,
      port: this.config.port,
      remoteUser: this.user,
      localUser: safeLocalUser(),
    };
  }

  private knownHostsFiles(): { user: string[]; all: string[] } {
    const t = this.tokens();
    const user = (this.config.userKnownHostsFiles.length
      ? this.config.userKnownHostsFiles
      : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']
    ).map((f) => expandPath(f, t));
    const global = (this.config.globalKnownHostsFiles.length
      ? this.config.globalKnownHostsFiles
      : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']
    ).map((f) => expandPath(f, t));
    return { user, all: [...user, ...global] };
  }

  private strict(): boolean {
    return this.settings.strictHostKeys || this.config.strictHostKeyChecking === 'yes';
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
    const t = this.tokens();
    const plan = planIdentities(
      {
        home: this.settings.home,
        env: this.settings.env,
        sshKey: this.settings.sshKey,
        configFiles: this.config.identityFiles.map((f) => expandPath(f, t)),
        identitiesOnly: this.config.identitiesOnly,
        keyPairName: this.settings.keyPairName,
      },
      (data) => lib.utils.parseKey(data) as { isPrivateKey(): boolean } | Error,
    );
    for (const s of plan.skipped) log.verbose(`${this.alias}: not offering ${s}`);
    if (!plan.identities.length) {
      throw new SshError('no-keys', this.alias, `no SSH key to offer to ${this.user}@${this.where}`, {
        hint: `looked in: ${plan.searched.join(', ')}${plan.skipped.length ? `; unusable: ${plan.skipped.join(', ')}` : ''}. Pass --ssh-key FILE or start ssh-agent`,
      });
    }
    const client = await this.handshake(lib, plan, log);
    if (this.userSource === 'default') {
      // Cloud images accept root's key only to print which user to use instead.
      const other = await this.loginRedirect(client);
      if (other) {
        log.info(`${this.alias}: root may not log in here; the host asks for ${other}, reconnecting as ${other}`);
        client.end();
        this.user = other;
        this.userSource = 'host';
        return this.handshake(lib, plan, log);
      }
    }
    return client;
  }

  private handshake(lib: Ssh2, plan: IdentityPlan, log: SshLog): Promise<Client> {
    const { hostName, port } = this.config;
    const files = this.knownHostsFiles();
    const token = this.config.hostKeyAlias ? this.config.hostKeyAlias.toLowerCase() : hostToken(hostName, port);
    const preferred = knownKeyTypes(files.all, token).flatMap(algorithmsForKeyType);
    const user = this.user;
    const started = Date.now();
    const timeoutSeconds = this.config.connectTimeout ?? this.settings.connectTimeoutSeconds;
    const client = new lib.Client();
    const tried: string[] = [];
    const queue = [...plan.identities];
    let hostKeyFailure: SshError | undefined;
    let counted = false;

    const verifyHostKey = (blob: Buffer): boolean => {
      const verdict = checkHostKey(files.all, token, blob);
      const shown = `${keyTypeLabel(blobKeyType(blob))} ${fingerprint(blob)}`;
      switch (verdict.status) {
        case 'known':
          log.debug(`${this.alias}: host key ${shown} matches line ${verdict.entry.line} of ${verdict.entry.path}`);
          return true;
        case 'revoked':
          hostKeyFailure = new SshError(
            'host-key-revoked',
            this.alias,
            `host key for ${token} (${shown}) is revoked: line ${verdict.entry.line} of ${verdict.entry.path}`,
          );
          return false;
        case 'changed':
          hostKeyFailure = changedKeyError(this.alias, token, shown, blobKeyType(blob), verdict.entries);
          return false;
        case 'unknown': {
          const file = files.user[0]!;
          if (this.strict()) {
            const why = this.settings.strictHostKeys ? '--strict-host-keys is set' : 'StrictHostKeyChecking is yes in ~/.ssh/config';
            hostKeyFailure = new SshError('host-key-unknown', this.alias, `host key for ${token} is not known (${shown}) and ${why}`, {
              hint: `check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then record it: ssh-keyscan -p ${port} ${hostName} >> ${file}`,
            });
            return false;
          }
          const line = recordHostKey(file, token, blob, this.config.hashKnownHosts);
          log.info(`${this.alias}: new host key for ${token} (${shown}) recorded in ${file} line ${line}`);
          return true;
        }
      }
    };

    const authHandler = (methodsLeft: string[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
      const done = next as (auth: Parameters<NextAuthHandler>[0] | false) => void;
      if (methodsLeft && !methodsLeft.includes('publickey')) return done(false);
      const id = queue.shift();
      if (!id) return done(false);
      tried.push(id.label);
      log.debug(`${this.alias}: offering ${id.label} for ${user}`);
      if (id.kind === 'agent') done({ type: 'agent', username: user, agent: id.socket });
      else done({ type: 'publickey', username: user, key: id.data });
    };

    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const fail = (err: SshError) => {
        if (settled) return;
        settled = true;
        try {
          client.end();
        } catch {
          // the socket is already gone
        }
        reject(err);
      };
      client.on('handshake', () => {
        if (!counted) {
          counted = true;
          this.pool.handshakes++;
        }
      });
      // Listeners stay for the connection's whole life: a late socket error must never
      // reach Node as an unhandled 'error' event.
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (settled) {
          log.debug(`${this.alias}: ssh: ${err.message}`);
          this.lost(client);
          return;
        }
        if (err.level === 'agent') {
          log.verbose(`${this.alias}: ssh-agent: ${err.message}`);
          return;
        }
        if (err.level === 'client-authentication' && !/All configured authentication methods failed/.test(err.message)) {
          log.debug(`${this.alias}: ${err.message}`);
          return;
        }
        fail(hostKeyFailure ?? this.describe(err, tried, plan, timeoutSeconds));
      });
      client.on('close', () => {
        this.lost(client);
        fail(hostKeyFailure ?? new SshError('closed', this.alias, `${this.where} closed the connection before login completed`));
      });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        log.verbose(`${this.alias}: connected as ${user} to ${hostName}:${port} with ${tried[tried.length - 1]} in ${Date.now() - started} ms`);
        resolve(client);
      });
      const config: ConnectConfig = {
        host: hostName,
        port,
        username: user,
        readyTimeout: scaledMs(timeoutSeconds, this.settings.timeScale),
        keepaliveInterval: (this.config.serverAliveInterval ?? 15) * 1000,
        keepaliveCountMax: this.config.serverAliveCountMax ?? 3,
        hostVerifier: verifyHostKey,
        authHandler: authHandler as ConnectConfig['authHandler'],
      };
      if (preferred.length) {
        config.algorithms = {
          serverHostKey: [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))] as never,
        };
      }
      log.debug(`${this.alias}: connecting to ${hostName}:${port} as ${user}`);
      try {
        client.connect(config);
        // Commands are small request/answer exchanges: Nagle's delay would add ~40 ms to each.
        client.setNoDelay(true);
      } catch (err) {
        fail(new SshError('other', this.alias, `ssh to ${this.where}: ${(err as Error).message}`));
      }
    });
  }

  private describe(err: Error & { level?: string; code?: string }, tried: string[], plan: IdentityPlan, timeoutSeconds: number): SshError {
    return describeConnectError(err, {
      alias: this.alias,
      where: this.where,
      hostName: this.config.hostName,
      port: this.config.port,
      user: this.user,
      userSource: this.userSource,
      tried,
      skipped: plan.skipped,
      timeoutSeconds,
    });
  }

  /** The user a cloud image's root login message names, if this is one. */
  private loginRedirect(client: Client): Promise<string | undefined> {
    return new Promise((resolve) => {
      client.exec('echo origin-setup-login-ok', (err, ch) => {
        if (err) return resolve(undefined);
        let out = '';
        ch.on('data', (d: Buffer) => (out += d));
        ch.stderr.on('data', (d: Buffer) => (out += d));
        ch.on('error', () => {});
        ch.on('close', () => {
          const m = /Please login as the user "([^"]+)"/.exec(out);
          resolve(m && !out.includes('origin-setup-login-ok') ? m[1] : undefined);
        });
        ch.end();
      });
    });
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

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}
