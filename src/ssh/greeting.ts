// Whether sshd answers a new connection, without logging in: connect (directly or over a
// proxy's socket), read the server's identification line, close. After a firewall change
// this is exactly what needs proving (new connections still reach sshd; the key and the
// login did not change), at the cost of a TCP connect instead of a key exchange and login.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { InterruptedError } from '../engine/errors.js';
import { describeConnectError } from './connect-errors.js';
import { SshError } from './errors.js';
import type { UserSource } from './types.js';

/** RFC 4253 4.2: a server may send other lines before its version line; this much is plenty. */
const MAX_PREAMBLE_BYTES = 8192;

export interface GreetingTarget {
  alias: string;
  /** `host:port` (through what), for messages. */
  where: string;
  hostName: string;
  port: number;
  family?: 4 | 6;
  user: string;
  userSource: UserSource;
  /** For messages, and the budget of the whole check. */
  timeoutSeconds: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Reads sshd's identification line (`SSH-2.0-OpenSSH_9.2p1 …`) from `sock`, or from a new
 * TCP connection when there is no proxy socket, then destroys the socket. Failures are the
 * SshError kinds a login would give (refused, unreachable, timeout, closed), so a caller
 * can treat them alike.
 */
export function readGreeting(target: GreetingTarget, proxied?: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    if (target.signal?.aborted) {
      proxied?.destroy();
      return reject(new InterruptedError());
    }
    const sock = proxied ?? connect({ host: target.hostName, port: target.port, ...(target.family ? { family: target.family } : {}) });
    let tcp = false;
    let seen = '';
    let settled = false;
    const finish = (err: Error | undefined, line?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(line!);
    };
    const describe = (err: Error & { level?: string; code?: string }) =>
      describeConnectError(err, {
        alias: target.alias,
        where: target.where,
        hostName: target.hostName,
        port: target.port,
        user: target.user,
        userSource: target.userSource,
        tried: [],
        skipped: [],
        timeoutSeconds: Number(target.timeoutSeconds.toFixed(1)),
        // A proxy's socket is "connected" at once, whether or not anything answers behind it.
        reached: tcp && !proxied ? 'tcp' : 'nothing',
      });
    const onAbort = () => finish(new InterruptedError());
    target.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(describe(Object.assign(new Error('timed out'), { level: 'client-timeout' }))), target.timeoutMs);
    sock.once('connect', () => (tcp = true));
    sock.on('error', (err: Error) => finish(describe(err)));
    sock.on('close', () =>
      finish(
        new SshError('closed', target.alias, `${target.where} closed the connection before sshd's greeting`, {
          hint: 'sshd may still be starting, or a firewall drops new connections',
        }),
      ),
    );
    sock.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      for (const line of seen.split('\n').slice(0, -1)) {
        const text = line.replace(/\r$/, '');
        if (text.startsWith('SSH-')) return finish(undefined, text);
      }
      if (seen.length > MAX_PREAMBLE_BYTES) {
        finish(
          new SshError('other', target.alias, `${target.where} answered, but not with an SSH greeting`, {
            hint: `is it sshd that listens on port ${target.port}?`,
          }),
        );
      }
    });
  });
}
