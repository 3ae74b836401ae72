// Opening one authenticated, verified ssh2 connection: the keys to offer, the host key
// check, the handshake, and the cloud images that accept root only to name their user.
import type { Client, ConnectConfig, NextAuthHandler } from 'ssh2';
import { InterruptedError } from '../engine/errors.js';
import { expandPath } from './config.js';
import { describeConnectError } from './connect-errors.js';
import { SshError } from './errors.js';
import { scaledMs } from './exec.js';
import { planIdentities, type IdentityPlan } from './keys.js';
import { pathTokens, whereOf, type LoginTarget } from './login-target.js';
import type { ProxiedSocket, ProxyOpener } from './proxy.js';
import type { SshLog } from './types.js';
import { HostKeyCheck } from './verify-host-key.js';

export type Ssh2 = typeof import('ssh2');

/** What the connection reports back to the host that owns it. */
export interface ConnectionEvents {
  /** Once per connection that got as far as the key exchange (the pool's handshake count). */
  handshake(): void;
  /** The connection failed or closed after login: the host must not use it again. */
  lost(client: Client): void;
}

/** Bounds on one connect. */
export interface ConnectLimits {
  /** Seconds (scaled) for the whole login, when less than ConnectTimeout or the pool's default. */
  timeoutSeconds?: number;
}

/**
 * A logged-in connection; on a root login redirect, target.user becomes the user the host
 * names. With a proxy, each handshake runs over the socket it opens (a jump host's
 * channel, a ProxyCommand's stdio) instead of a TCP connection of its own.
 */
export async function openConnection(
  lib: Ssh2,
  target: LoginTarget,
  events: ConnectionEvents,
  log: SshLog,
  limits: ConnectLimits = {},
  proxy?: ProxyOpener,
): Promise<Client> {
  const { alias, config, settings } = target;
  if (config.refused) {
    throw new SshError('other', alias, config.refused, {
      hint: 'remove it from ssh_config for this host (a Host or Match block of its own), or connect with ssh yourself',
    });
  }
  const t = pathTokens(target);
  const plan = planIdentities(
    {
      home: settings.home,
      env: settings.env,
      sshKey: settings.sshKey,
      configFiles: config.identityFiles.map((f) => expandPath(f, t)),
      identitiesOnly: config.identitiesOnly,
      keyPairName: settings.keyPairName,
    },
    (data) => lib.utils.parseKey(data),
  );
  for (const s of plan.skipped) log.verbose(`${alias}: not offering ${s}`);
  if (!plan.identities.length) {
    throw new SshError('no-keys', alias, `no SSH key to offer to ${target.user}@${whereOf(target)}`, {
      hint: `looked in: ${plan.searched.join(', ')}${plan.skipped.length ? `; unusable: ${plan.skipped.join(', ')}` : ''}. Pass --ssh-key FILE or start ssh-agent`,
    });
  }
  // One budget for the whole login, the root redirect's second handshake included.
  const configured = config.connectTimeout ?? settings.connectTimeoutSeconds;
  const budget = limits.timeoutSeconds === undefined ? configured : Math.min(configured, limits.timeoutSeconds);
  const started = Date.now();
  const left = () => Math.max(0.1, budget - (Date.now() - started) / 1000 / settings.timeScale);
  const client = await handshake(lib, target, plan, events, log, left, proxy);
  if (target.userSource === 'default') {
    // Cloud images accept root's key only to print which user to use instead.
    const other = await loginRedirect(client, settings.signal);
    if (other) {
      log.info(`${alias}: root may not log in here; the host asks for ${other}, reconnecting as ${other}`);
      client.end();
      target.user = other;
      target.userSource = 'host';
      return handshake(lib, target, plan, events, log, left, proxy);
    }
  }
  return client;
}

async function handshake(
  lib: Ssh2,
  target: LoginTarget,
  plan: IdentityPlan,
  events: ConnectionEvents,
  log: SshLog,
  left: () => number,
  proxy: ProxyOpener | undefined,
): Promise<Client> {
  const { alias, config, settings } = target;
  const { hostName, port } = config;
  if (settings.signal?.aborted) throw new InterruptedError();
  // The proxy's own wait (the jump host's login, the channel) comes out of the same budget.
  const proxied: ProxiedSocket | undefined = proxy ? await proxy(left()) : undefined;
  const timeoutSeconds = left();
  const hostKey = new HostKeyCheck(target, log);
  const serverHostKey = hostKey.serverHostKeyAlgorithms();
  const user = target.user;
  const started = Date.now();
  const client = new lib.Client();
  const tried: string[] = [];
  const queue = [...plan.identities];
  let counted = false;
  // How far a login that timed out got: no TCP connection, TCP but no SSH, or SSH but no login.
  let tcp = false;

  const authHandler = (methodsLeft: string[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    const done = next as (auth: Parameters<NextAuthHandler>[0] | false) => void;
    if (methodsLeft && !methodsLeft.includes('publickey')) return done(false);
    const id = queue.shift();
    if (!id) return done(false);
    tried.push(id.label);
    log.debug(`${alias}: offering ${id.label} for ${user}`);
    if (id.kind === 'agent') done({ type: 'agent', username: user, agent: id.socket });
    else done({ type: 'publickey', username: user, key: id.data });
  };

  const describe = (err: Error & { level?: string; code?: string }): SshError =>
    describeConnectError(err, {
      alias,
      where: proxied ? `${whereOf(target)} through ${proxied.via}` : whereOf(target),
      hostName,
      port,
      user: target.user,
      userSource: target.userSource,
      tried,
      skipped: plan.skipped,
      timeoutSeconds: Number(timeoutSeconds.toFixed(1)),
      // A proxy's socket is "connected" at once, whether or not anything answers behind it.
      reached: counted ? 'ssh' : tcp && !proxied ? 'tcp' : 'nothing',
    });
  const whereVia = proxied ? `${whereOf(target)} through ${proxied.via}` : whereOf(target);

  const signal = settings.signal;
  return new Promise<Client>((resolve, reject) => {
    if (signal?.aborted) {
      proxied?.sock.destroy();
      return reject(new InterruptedError());
    }
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      client.destroy();
      proxied?.sock.destroy();
      reject(new InterruptedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      try {
        client.end();
      } catch {
        // the socket is already gone
      }
      proxied?.sock.destroy();
      reject(err);
    };
    // Before any SSH came back, a proxy that ended says more than ssh2 can (the
    // ProxyCommand's exit and stderr): wait until it is gone, then report that.
    let failing = false;
    const failOver = (err: SshError) => {
      if (hostKey.failure || !proxied || counted) return fail(hostKey.failure ?? err);
      if (failing) return;
      failing = true;
      void proxied
        .settle()
        .then((why) =>
          fail(why ? new SshError('closed', alias, why, { hint: `ssh_config runs it for ${alias}: try it by hand with %h and %p filled in` }) : err),
        );
    };
    client.on('connect', () => (tcp = true));
    client.on('handshake', () => {
      if (!counted) {
        counted = true;
        events.handshake();
      }
    });
    // Listeners stay for the connection's whole life: a late socket error must never
    // reach Node as an unhandled 'error' event.
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (settled) {
        log.debug(`${alias}: ssh: ${err.message}`);
        events.lost(client);
        return;
      }
      if (err.level === 'agent') {
        log.verbose(`${alias}: ssh-agent: ${err.message}`);
        return;
      }
      if (err.level === 'client-authentication' && !/All configured authentication methods failed/.test(err.message)) {
        log.debug(`${alias}: ${err.message}`);
        return;
      }
      failOver(describe(err));
    });
    client.on('close', () => {
      events.lost(client);
      if (settled) {
        proxied?.sock.destroy(); // a ProxyCommand does not outlive its connection
        return;
      }
      failOver(new SshError('closed', alias, `${whereVia} closed the connection before login completed`));
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      log.verbose(
        `${alias}: connected as ${user} to ${hostName}:${port}${proxied ? ` through ${proxied.via}` : ''} with ${tried[tried.length - 1]} in ${Date.now() - started} ms`,
      );
      resolve(client);
    });
    const connectConfig: ConnectConfig = {
      host: hostName,
      port,
      username: user,
      readyTimeout: scaledMs(timeoutSeconds, settings.timeScale),
      keepaliveInterval: (config.serverAliveInterval ?? 15) * 1000,
      keepaliveCountMax: config.serverAliveCountMax ?? 3,
      hostVerifier: hostKey.verify,
      authHandler,
    };
    if (serverHostKey) connectConfig.algorithms = { serverHostKey: serverHostKey as never };
    if (proxied) connectConfig.sock = proxied.sock;
    else if (config.addressFamily === 'inet') connectConfig.forceIPv4 = true;
    else if (config.addressFamily === 'inet6') connectConfig.forceIPv6 = true;
    log.debug(`${alias}: connecting to ${hostName}:${port} as ${user}${proxied ? ` through ${proxied.via}` : ''}`);
    try {
      client.connect(connectConfig);
      // Commands are small request/answer exchanges: Nagle's delay would add ~40 ms to each.
      client.setNoDelay(true);
    } catch (err) {
      fail(new SshError('other', alias, `ssh to ${whereOf(target)}: ${(err as Error).message}`));
    }
  });
}

/** The user a cloud image's root login message names, if this is one. */
function loginRedirect(client: Client, signal: AbortSignal | undefined): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      client.end();
      return reject(new InterruptedError());
    }
    const onAbort = () => {
      client.end();
      reject(new InterruptedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    client.exec('echo origin-setup-login-ok', (err, ch) => {
      if (err) {
        signal?.removeEventListener('abort', onAbort);
        return resolve(undefined);
      }
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (out += d.toString()));
      ch.on('error', () => {});
      ch.on('close', () => {
        signal?.removeEventListener('abort', onAbort);
        const m = /Please login as the user "([^"]+)"/.exec(out);
        resolve(m && !out.includes('origin-setup-login-ok') ? m[1] : undefined);
      });
      ch.end();
    });
  });
}
