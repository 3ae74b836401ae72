// One SSH connection per host per run, opened on first use and shared by every task
// of the run. The runner imports this module lazily; ssh2 itself is loaded with a
// dynamic import on the first connection, so `list` and `help` never load it.
import { UsageError } from '../engine/errors.js';
import { loadSshConfig, type JumpHop, type ParsedSshConfig } from './config.js';
import type { Ssh2 } from './connect.js';
import { HostState, type JumpVia } from './host-state.js';
import type { ShellCommand } from './quote.js';
import type { ExecResult, RemoteHost, RunOptions, SshLog, SshSettings, UploadOptions, UserSource } from './types.js';

// test/ssh/units.test.ts checks the connect messages through this module.
export { describeConnectError, type ConnectFailureContext } from './connect-errors.js';

export class SshPool {
  handshakes = 0;
  private readonly hosts = new Map<string, HostState>();
  /** Jump hosts by hop (`user@host:port via …`), apart from the hosts tasks name: they log in by other rules. */
  private readonly jumps = new Map<string, HostState>();
  private parsed?: ParsedSshConfig;
  private lib?: Promise<Ssh2>;

  constructor(readonly settings: SshSettings) {}

  /** `stop` ends this handle's commands (one host's share of a many-host run); default, the run's signal. */
  async host(name: string, log: SshLog, stop?: AbortSignal): Promise<RemoteHost> {
    if (!/^[A-Za-z0-9_.:%[\]-]+$/.test(name) || name.startsWith('-')) {
      throw new UsageError(`bad host name ${JSON.stringify(name)}: expected a DNS name, an address or a ~/.ssh/config Host`);
    }
    let state = this.hosts.get(name);
    if (!state) {
      state = new HostState(this, name, this.sshConfig(log));
      this.hosts.set(name, state);
    }
    return new HostHandle(state, log, stop);
  }

  /** @internal The one HostState of a ProxyJump hop: every host behind it shares its connection. */
  jumpHost(hop: JumpHop, via: JumpVia | undefined, log: SshLog): HostState {
    const key = `${hopText(hop)}${via ? ` via ${via.hops.map(hopText).join(',')}` : ''}`;
    let state = this.jumps.get(key);
    if (!state) {
      state = new HostState(this, hop.host, this.sshConfig(log), { hop, via, key });
      this.jumps.set(key, state);
    }
    return state;
  }

  async close(): Promise<void> {
    const states = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(states.map((s) => s.close()));
    // Jump hosts last, in the order they were made: a host is always made before the jump
    // host it is reached through, so each closes before what carries it.
    const jumps = [...this.jumps.values()];
    this.jumps.clear();
    for (const j of jumps) await j.close();
  }

  /** @internal */
  ssh2(): Promise<Ssh2> {
    // ssh2 is CommonJS: loaded as ESM its exports sit on `default`, unless a bundler already unwrapped them.
    this.lib ??= import('ssh2').then((m: Ssh2 & { default?: Ssh2 }) => m.default ?? m);
    return this.lib;
  }

  private sshConfig(log: SshLog): ParsedSshConfig {
    if (!this.parsed) {
      this.parsed = loadSshConfig(this.settings.home);
      if (this.parsed.files.length > 1) log.debug(`ssh_config: read ${this.parsed.files.join(', ')}`);
    }
    return this.parsed;
  }
}

function hopText(hop: JumpHop): string {
  return `${hop.user ? `${hop.user}@` : ''}${hop.host}${hop.port ? `:${hop.port}` : ''}`;
}

/** What a task holds: the shared host state seen through that task's log. */
class HostHandle implements RemoteHost {
  constructor(
    private readonly state: HostState,
    private readonly log: SshLog,
    private readonly stop?: AbortSignal,
  ) {}
  private stopping(options: RunOptions): RunOptions {
    return this.stop && !options.signal ? { ...options, signal: this.stop } : options;
  }
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
  get connected(): boolean {
    return this.state.isOpen;
  }
  async connect(): Promise<void> {
    await this.state.connection(this.log);
  }
  probe(command: ShellCommand, options: RunOptions = {}): Promise<ExecResult> {
    return this.state.probe(command, this.stopping(options), this.log);
  }
  greeting(): Promise<string> {
    return this.state.greeting(this.log, this.stop);
  }
  relogin(): Promise<void> {
    return this.state.relogin();
  }
  run(command: ShellCommand, options: RunOptions = {}): Promise<ExecResult> {
    return this.state.commands.run(command, this.stopping(options), this.log);
  }
  upload(content: string | Buffer, remotePath: string, options: UploadOptions = {}): Promise<void> {
    return this.state.files.upload(content, remotePath, options, this.log);
  }
  uploadFile(localPath: string, remotePath: string, options: UploadOptions = {}): Promise<void> {
    return this.state.files.uploadFile(localPath, remotePath, options, this.log);
  }
  download(remotePath: string, localPath: string): Promise<void> {
    return this.state.files.download(remotePath, localPath, this.log);
  }
}
