// The socket a proxied login runs over: a direct-tcpip channel opened on the jump
// host's connection (ProxyJump), or the stdin/stdout of a local command (ProxyCommand).
// ssh2 takes either as its `sock`; the host key is still checked under the target's
// own name, since only the transport changes.
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { InterruptedError } from '../engine/errors.js';
import { SshError, type SshFailureKind } from './errors.js';

/** A socket for one handshake, and what to say when the login fails over it. */
export interface ProxiedSocket {
  sock: Duplex;
  /** Through what, for messages: `ProxyJump bastion`, `ProxyCommand`. */
  via: string;
  /**
   * Ends the proxy (kills a ProxyCommand) and, once it is gone, says why it ended early
   * (the command's exit status and last stderr lines), or undefined.
   */
  settle(): Promise<string | undefined>;
}

/** Opens the socket for one handshake with what is left of the login's budget (seconds, unscaled). */
export type ProxyOpener = (timeoutSeconds: number) => Promise<ProxiedSocket>;

/**
 * A direct-tcpip channel from the jump host to host:port, as `ssh -W` asks for one. The
 * wait ends with the signal or after timeoutMs.
 */
export function forwardThrough(
  jump: Client,
  o: { alias: string; jumpAlias: string; host: string; port: number; timeoutMs: number; timeoutSeconds: number; signal?: AbortSignal },
): Promise<ProxiedSocket> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new InterruptedError());
    let done = false;
    const finish = (err: Error | null, sock?: Duplex) => {
      if (done) {
        sock?.destroy(); // the channel came after the wait had ended
        return;
      }
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ sock: sock!, via: `ProxyJump ${o.jumpAlias}`, settle: async () => (sock!.destroy(), undefined) });
    };
    const onAbort = () => finish(new InterruptedError());
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        finish(
          new SshError(
            'timeout',
            o.alias,
            `${o.jumpAlias} did not open a connection to ${o.host}:${o.port} within ${o.timeoutSeconds.toFixed(1)}s (ProxyJump)`,
            {
              hint: `is ${o.host} reachable from ${o.jumpAlias}?`,
            },
          ),
        ),
      o.timeoutMs,
    );
    try {
      jump.forwardOut('127.0.0.1', 0, o.host, o.port, (err, channel) => {
        if (err) return finish(channelOpenError(err, o));
        channel.on('error', () => {}); // reported through the SSH client that uses it
        finish(null, channel);
      });
    } catch (err) {
      finish(new SshError('closed', o.alias, `the connection to ${o.jumpAlias} (ProxyJump) is gone: ${(err as Error).message}`));
    }
  });
}

/** What a jump host's refusal to open the channel means. */
function channelOpenError(err: Error, o: { alias: string; jumpAlias: string; host: string; port: number }): SshError {
  const why = err.message.replace(/^\(SSH\) Channel open failure: ?/, '') || 'refused';
  let kind: SshFailureKind = 'other';
  let hint = `check that ${o.host}:${o.port} is reachable from ${o.jumpAlias}`;
  if (/refused/i.test(why)) kind = 'refused';
  else if (/prohibit/i.test(why)) hint = `${o.jumpAlias}'s sshd does not allow forwarding (AllowTcpForwarding, PermitOpen)`;
  else if (/unknown host|not known|resolve/i.test(why)) kind = 'dns';
  else if (/unreachable|no route|timed out/i.test(why)) kind = 'unreachable';
  return new SshError(kind, o.alias, `${o.jumpAlias} could not connect to ${o.host}:${o.port} for ${o.alias} (ProxyJump): ${why}`, { hint });
}

/** Every ProxyCommand still running: a process that exits without closing them must not leave them behind. */
const running = new Set<ChildProcess>();
let exitHook = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The command runs in a process group of its own (a pipeline, a shell that did not exec).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * A Duplex over a child's stdin (what we write) and stdout (what we read). When either
 * side ends the other is ended too; destroying it kills the command.
 */
export class CommandSocket extends Duplex {
  constructor(private readonly child: ChildProcess) {
    super({ allowHalfOpen: false });
    const { stdin, stdout } = child;
    stdout!.on('data', (d: Buffer) => {
      if (!this.push(d)) stdout!.pause();
    });
    stdout!.on('end', () => this.push(null));
    stdout!.on('error', (err) => this.destroy(err));
    // A command that exits while we write: its end is reported by stdout and the exit.
    stdin!.on('error', () => {});
    child.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.child.stdout!.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.child.stdin!.destroyed) return cb();
    this.child.stdin!.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin!.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    killGroup(this.child, 'SIGTERM');
    cb(err);
  }
}

/**
 * Starts `/bin/sh -c "exec COMMAND"` (tokens already expanded), as ssh does, and hands
 * back its stdio as the socket. It is killed when the socket is destroyed (the
 * connection closed), when the signal fires, and when the process exits.
 */
export function spawnProxyCommand(command: string, alias: string, signal: AbortSignal | undefined, debug: (t: string) => void): ProxiedSocket {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of running) killGroup(c, 'SIGKILL');
    });
  }
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  child.stderr.on('error', () => {});
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, sig) => resolve({ code, signal: sig }));
  });
  let killedByUs = false;
  const sock = new CommandSocket(child);
  const onAbort = () => {
    killedByUs = true;
    sock.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  void closed.then(({ code, signal: sig }) => {
    running.delete(child);
    signal?.removeEventListener('abort', onAbort);
    debug(`ProxyCommand ended (${sig ? `signal ${sig}` : `exit ${code}`})`);
  });
  return {
    sock,
    via: 'ProxyCommand',
    settle: async () => {
      if (!sock.destroyed) {
        killedByUs = child.exitCode === null && child.signalCode === null;
        sock.destroy();
      }
      const end = await closed;
      if (end.error) return `the ProxyCommand for ${alias} could not be started: ${end.error.message}`;
      // Killed by our signal: the login failed for its own reason (a timeout), which is the one
      // to tell. (A command that was already exiting on its own reports its status.)
      if (killedByUs && end.signal !== null) return undefined;
      const lines = stderr
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-3);
      const status = end.signal ? `was killed by ${end.signal}` : `exited ${end.code}`;
      return `the ProxyCommand for ${alias} ${status}${lines.length ? `: ${lines.join(' | ')}` : ' without a word'}`;
    },
  };
}
