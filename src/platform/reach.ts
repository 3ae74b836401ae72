// Whether a host takes SSH logins, waiting for it to, and rebooting it. A try is a real
// login plus a trivial command, so "reachable" means sshd, the key and the shell all work.
import type { TaskContext } from '../engine/context.js';
import { OriginError, TimeoutError } from '../engine/errors.js';
import { poll } from '../engine/wait.js';
import { SshError } from '../ssh/errors.js';
import { cmd, sh, type ShellCommand } from '../ssh/quote.js';
import type { ExecResult } from '../ssh/types.js';

/** How long one `true` may take once logged in (a host still booting can be slow). */
const COMMAND_TIMEOUT_SECONDS = 30;

/**
 * A read-only command over a new login, so every try proves that a login works now: a
 * pooled connection opened before a reboot or a firewall change would prove nothing. While
 * the run has no connection to the host yet, the new login is the pooled one, kept for
 * the commands that follow (one handshake instead of two per host); once one is open, the
 * try logs in on its own (RemoteHost.probe). Test doubles without probe() use the pool.
 */
async function freshRun(ctx: TaskContext, hostName: string, command: ShellCommand, secondsLeft?: number): Promise<ExecResult> {
  const host = await ctx.ssh(hostName);
  // Inside a wait, the try gets what is left of its --timeout, the connect included.
  const budget = secondsLeft === undefined ? {} : { connectTimeoutSeconds: Math.max(0.1, secondsLeft) };
  const options = {
    readOnly: true,
    timeoutSeconds: Math.min(COMMAND_TIMEOUT_SECONDS, secondsLeft === undefined ? Infinity : Math.max(0.1, secondsLeft)),
    ...budget,
  };
  return host.probe && host.connected !== false ? host.probe(command, options) : host.run(command, options);
}

const login = (ctx: TaskContext, hostName: string, secondsLeft?: number) => freshRun(ctx, hostName, cmd('true'), secondsLeft);

/** One quick try: resolves when the host answers, else fails with the reason (exit 1). */
export async function tryLogin(ctx: TaskContext, hostName: string): Promise<void> {
  try {
    await login(ctx, hostName);
  } catch (err) {
    if (err instanceof SshError) throw new OriginError(`${hostName} not reachable: ${err.message}`, { hint: err.hint });
    throw err;
  }
}

/**
 * One quick check that sshd answers a new connection, without a login (RemoteHost.greeting);
 * a host handle without it (a test double) logs in instead.
 */
export async function tryGreeting(ctx: TaskContext, hostName: string): Promise<void> {
  const host = await ctx.ssh(hostName);
  if (!host.greeting) return tryLogin(ctx, hostName);
  try {
    await host.greeting();
  } catch (err) {
    if (err instanceof SshError) throw new OriginError(`${hostName} not reachable: ${err.message}`, { hint: err.hint });
    throw err;
  }
}

/** Failures a booting (or rebooting) host gives: worth another try. */
function transient(err: unknown): err is OriginError {
  return (err instanceof SshError && err.transient) || err instanceof TimeoutError;
}

/**
 * Polls `attempt` with backoff (2 s growing to 5 s) for at most timeoutSeconds; the
 * timeout error names the last failure, which is usually the useful part. The cap is low
 * because a refused or timed-out try costs the host nothing, while each second between
 * tries is a second added to every boot (bench/baseinstance.mjs measured 1.19x the
 * critical path with a 15 s cap, 1.04–1.08x with 5 s).
 */
async function pollHost(
  ctx: TaskContext,
  what: string,
  timeoutSeconds: number,
  attempt: (n: number, failed: (err: OriginError) => void, secondsLeft: () => number) => Promise<true | undefined>,
): Promise<void> {
  let last: OriginError | undefined;
  const live = ctx.live(`waiting for ${what}`);
  try {
    await poll({ live, what, timeoutSeconds, delaySeconds: 2, maxDelaySeconds: 5, scale: ctx.settings.timeScale, signal: ctx.signal }, (n, secondsLeft) =>
      attempt(
        n,
        (err) => {
          last = err;
          ctx.log.verbose(`try ${n}: ${err.message}`);
          live.phase(`try ${n}: ${err instanceof SshError ? err.kind : 'failed'}`);
        },
        secondsLeft,
      ),
    );
  } catch (err) {
    if (err instanceof TimeoutError && last) {
      throw new TimeoutError(`${err.message}; last try: ${last.message}`, { hint: last.hint });
    }
    throw err;
  }
}

/**
 * How long a refused key is retried while waiting. A new cloud instance often runs sshd
 * before cloud-init has written the key into authorized_keys, so its first logins are
 * refused; a key that is still refused after this is really wrong.
 */
const AUTH_GRACE_SECONDS = 60;

/**
 * Tries with backoff until a login succeeds and the host answers, for at most
 * timeoutSeconds. Failures a booting host produces (refused, unreachable, timeout,
 * closed, DNS not there yet) are retried until then, a refused key for AUTH_GRACE_SECONDS;
 * a changed host key or a missing key file fails at once, since waiting cannot fix it.
 */
export async function waitForLogin(ctx: TaskContext, hostName: string, timeoutSeconds: number): Promise<void> {
  let authRefusedSince: number | undefined;
  const graceLeft = () => Date.now() - authRefusedSince! < AUTH_GRACE_SECONDS * ctx.settings.timeScale * 1000;
  await pollHost(ctx, `${hostName} to take an SSH login`, timeoutSeconds, async (_n, failed, secondsLeft) => {
    try {
      await login(ctx, hostName, secondsLeft());
      return true;
    } catch (err) {
      const authRefused = err instanceof SshError && err.kind === 'auth';
      if (authRefused) authRefusedSince ??= Date.now();
      if (!transient(err) && !(authRefused && graceLeft())) throw err;
      failed(err);
      return undefined;
    }
  });
}

const BOOT_ID = cmd('cat', '/proc/sys/kernel/random/boot_id');

async function bootId(ctx: TaskContext, hostName: string, secondsLeft?: number): Promise<string> {
  return (await freshRun(ctx, hostName, BOOT_ID, secondsLeft)).stdout[0]?.trim() ?? '';
}

/**
 * Reboots in the background, a second later, so the command returns (and its channel
 * closes cleanly) before sshd goes away. With wait, returns once the host is back: its
 * boot id changed, or it was seen down and now answers again.
 */
export async function rebootHost(ctx: TaskContext, hostName: string, o: { wait: boolean; timeoutSeconds: number }): Promise<void> {
  const host = await ctx.ssh(hostName);
  const before = o.wait && !ctx.dryRun ? await bootId(ctx, hostName) : undefined;
  await host.run(sh`(sleep 1; reboot) >/dev/null 2>&1 </dev/null &`, { sudo: true });
  if (before === undefined) return;
  let down = false;
  await pollHost(ctx, `${hostName} to come back from its reboot`, o.timeoutSeconds, async (_n, failed, secondsLeft) => {
    try {
      const now = await bootId(ctx, hostName, secondsLeft());
      return now !== before || down ? true : undefined;
    } catch (err) {
      if (!transient(err)) throw err;
      down = true;
      failed(err);
      return undefined;
    }
  });
}
