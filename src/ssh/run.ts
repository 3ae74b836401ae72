// Running one command on a host: the --dry-run stand-in, sudo in front, a PTY when sudo
// demands a tty (requiretty), sudo's refusals as errors that say what to fix, a bounded
// number of channels at once, and one retry where it is safe.
import type { Client } from 'ssh2';
import { OriginError, RemoteCommandError } from '../engine/errors.js';
import { SshError } from './errors.js';
import type { ConnectLimits } from './connect.js';
import { ChannelLost, ChannelNotOpened, execOnChannel } from './exec-channel.js';
import { exitAccepted, outputTail, scaledMs, sudoWantsPassword, sudoWantsTty, sudoWrap } from './exec.js';
import { quote, type ShellCommand } from './quote.js';
import type { ExecResult, RunOptions, SshLog, SshSettings } from './types.js';

/** sshd allows 10 sessions per connection by default; one is kept for SFTP. */
const MAX_CHANNELS = 8;

/** ssh2's words for a channel request on a connection that is already gone. */
const DEAD_CONNECTION = /not connected|no response from server|EPIPE|ECONNRESET|write after end/i;

/** What running a command needs from the host's connection lifecycle. */
export interface CommandHost {
  readonly alias: string;
  /** The login user; settled once the connection is open. */
  readonly user: string;
  readonly settings: SshSettings;
  connection(log: SshLog, limits?: ConnectLimits): Promise<Client>;
  isAlive(client: Client): boolean;
  lost(client: Client): void;
}

export class CommandRunner {
  /** sudo here demanded a tty (requiretty): later sudo commands get a PTY straight away. */
  private needsPty = false;
  private readonly slots = new Slots(MAX_CHANNELS);

  constructor(private readonly host: CommandHost) {}

  async run(command: ShellCommand, options: RunOptions, log: SshLog): Promise<ExecResult> {
    if (this.host.settings.dryRun && !options.readOnly) {
      const text = options.sudo && this.host.user !== 'root' ? sudoWrap(command) : command.text;
      log.info(`would run on ${this.host.alias}: ${text}`);
      return { code: 0, stdout: [], stderr: [], durationMs: 0 };
    }
    await this.host.connection(log, limits(options)); // settles the login user
    const useSudo = !!options.sudo && this.host.user !== 'root';
    const text = useSudo ? sudoWrap(command) : command.text;
    const pty = useSudo && this.needsPty;
    let result = await this.exec(text, options, pty, log);
    if (useSudo && !pty && result.code !== 0 && sudoWantsTty(result.stderr)) {
      log.verbose(`${this.host.alias}: sudo requires a tty here (requiretty); running sudo with a PTY on this host from now on`);
      this.needsPty = true;
      result = await this.exec(text, options, true, log);
    }
    if (useSudo && result.code !== 0 && sudoWantsPassword([...result.stderr, ...result.stdout])) {
      throw new SshError('sudo-password', this.host.alias, `${this.host.alias}: sudo wants a password for ${this.host.user}`, {
        hint: `give ${this.host.user} password-less sudo on ${this.host.alias} (a line "${this.host.user} ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/), or log in as root (--username root)`,
      });
    }
    if (!exitAccepted(result.code, options.allowExit)) {
      const said = outputTail(result);
      const hint =
        useSudo && result.code === 127 && said.some((l) => /sudo.*not found/.test(l))
          ? `sudo is not installed on ${this.host.alias}: install it, or log in as root (--username root)`
          : undefined;
      throw new RemoteCommandError(this.host.alias, text, result.code, said, hint ? { hint } : {});
    }
    return result;
  }

  private async exec(text: string, options: RunOptions, pty: boolean, log: SshLog): Promise<ExecResult> {
    // With a PTY the channel's input is a terminal: feed stdin through a pipe instead.
    let command = text;
    let stdin = options.stdin;
    if (pty && stdin !== undefined) {
      if (Buffer.byteLength(stdin) > 100_000) {
        throw new OriginError(`${this.host.alias}: input too large to pass to sudo through a terminal (requiretty)`, {
          hint: 'upload the data as a file instead',
        });
      }
      command = `printf '%s' ${quote(stdin)} | ${text}`;
      stdin = undefined;
    }
    await this.slots.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        const client = await this.host.connection(log, limits(options));
        log.debug(`${this.host.alias}$ ${command}`);
        try {
          const result = await execOnChannel(client, command, {
            alias: this.host.alias,
            stdin,
            pty,
            signal: options.signal ?? this.host.settings.signal,
            timeoutMs: options.timeoutSeconds === undefined ? undefined : scaledMs(options.timeoutSeconds, this.host.settings.timeScale),
          });
          log.verbose(`${this.host.alias}$ ${command}  (exit ${result.code}, ${(result.durationMs / 1000).toFixed(2)}s)`);
          return result;
        } catch (err) {
          // Nothing ran on a connection that died before the channel opened: safe on a fresh one.
          if (err instanceof ChannelNotOpened && attempt === 0 && (!this.host.isAlive(client) || DEAD_CONNECTION.test(err.message))) {
            this.host.lost(client); // the 'close' event may not have arrived yet
            continue;
          }
          if (err instanceof ChannelLost && options.readOnly && attempt === 0) continue;
          if (err instanceof ChannelNotOpened) {
            throw new SshError('closed', this.host.alias, `${this.host.alias}: cannot start \`${command}\`: ${err.message}`);
          }
          if (err instanceof ChannelLost) {
            throw new SshError(
              'closed',
              this.host.alias,
              `${this.host.alias}: the connection was lost while \`${command}\` ran; it may or may not have finished`,
            );
          }
          throw err;
        }
      }
    } finally {
      this.slots.release();
    }
  }
}

function limits(options: RunOptions): ConnectLimits {
  return options.connectTimeoutSeconds === undefined ? {} : { timeoutSeconds: options.connectTimeoutSeconds };
}

/** Bounds the channels open at once on one connection. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}
