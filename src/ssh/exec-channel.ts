// One command on one ssh2 exec channel, to its exit status and its output as lines.
// The two ways it can fail without an answer are told apart, because only one of them
// is safe to retry: nothing ran when the channel never opened.
import { constants as osConstants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';
import { InterruptedError, TimeoutError } from '../engine/errors.js';
import { splitLines } from './exec.js';
import type { ExecResult } from './types.js';

/** The channel never opened: the command did not run. */
export class ChannelNotOpened extends Error {}
/** The channel closed without an exit status: the command may or may not have run. */
export class ChannelLost extends Error {}

export interface ChannelOptions {
  /** For the timeout message. */
  alias: string;
  stdin?: string;
  pty: boolean;
  /** Kill the command after this long. */
  timeoutMs?: number;
  /** The run's stop signal: interrupts the command (SIGINT, then the channel closes). */
  signal?: AbortSignal;
}

export function execOnChannel(client: Client, command: string, o: ChannelOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | undefined;
    let signal: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    let channel: ClientChannel | undefined;
    const onAbort = () => {
      if (channel) stop(channel, 'INT');
      finish(() => reject(new InterruptedError()));
    };
    const finish = (f: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      f();
    };
    if (o.signal?.aborted) return reject(new InterruptedError());
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const opened = (e: Error | undefined, ch: ClientChannel) => {
      if (e) return finish(() => reject(new ChannelNotOpened(e.message)));
      if (finished) return stop(ch, 'INT'); // interrupted before the channel opened
      channel = ch;
      ch.on('data', (d: Buffer) => out.push(d));
      ch.stderr.on('data', (d: Buffer) => err.push(d));
      ch.on('error', () => {});
      ch.on('exit', (c: number | null, sig?: string) => {
        if (typeof c === 'number') code = c;
        else if (sig) signal = sig.replace(/^SIG/, '');
      });
      ch.on('close', () => {
        if (code === undefined && signal === undefined) return finish(() => reject(new ChannelLost()));
        const stderr = splitLines(Buffer.concat(err));
        if (signal !== undefined) stderr.push(`(killed by SIG${signal})`);
        const result: ExecResult = {
          code: code ?? 128 + ((osConstants.signals as Record<string, number>)[`SIG${signal}`] ?? 0),
          stdout: splitLines(Buffer.concat(out)),
          stderr,
          durationMs: Date.now() - started,
        };
        finish(() => resolve(result));
      });
      if (o.stdin !== undefined) ch.end(o.stdin);
      else ch.end();
      if (o.timeoutMs !== undefined) {
        const ms = o.timeoutMs;
        timer = setTimeout(() => {
          stop(ch, 'KILL');
          finish(() => reject(new TimeoutError(`${o.alias}: \`${command}\` did not finish within ${(ms / 1000).toFixed(1)}s`)));
        }, ms);
      }
    };
    try {
      if (o.pty) client.exec(command, { pty: { term: 'dumb', modes: { ECHO: 0 } } }, opened);
      else client.exec(command, opened);
    } catch (e) {
      finish(() => reject(new ChannelNotOpened((e as Error).message)));
    }
  });
}

/** Signals the remote command and closes its channel, whatever state either is in. */
function stop(ch: ClientChannel, signal: 'INT' | 'KILL'): void {
  try {
    ch.signal(signal);
  } catch {
    // the channel is closing anyway
  }
  try {
    ch.close();
  } catch {
    // already closed
  }
}
