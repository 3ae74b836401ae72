// Many real test sshds for one run that works on many hosts: they start at the same time
// (one after the other would cost a second or more per host), and one client HOME reaches
// each of them by its names, as an operator's ~/.ssh/config reaches a fleet.
//
//   const fleet = await startFleet([{ hosts: ['web1'] }, { hosts: ['web2'] }]);
//   const env = fleetEnv(fleet, testEnv());   // HOME/.ssh/config: one Host block per sshd
//   …
//   await stopFleet(fleet);
//
// fleetHome() also takes sshds started elsewhere (the stand-in worlds of
// test/origin/flow-world.ts), so hosts of different kinds share one HOME. This module
// loads no part of the CLI, so a bench can bundle it with sshd.ts alone.
import { sshHostBlock, startSshd, writeClientSsh, type Sshd, type SshdOptions } from './sshd.js';

/**
 * Starts one sshd per entry, all at once; each answers to its `hosts`. When one fails to
 * start, the others are stopped again before the error is thrown, so no sshd outlives a
 * failed beforeAll.
 */
export async function startFleet(specs: readonly (SshdOptions & { hosts: string[] })[]): Promise<Sshd[]> {
  const started = await Promise.allSettled(specs.map((spec) => startSshd(spec)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await stopFleet(up);
    throw failed.reason;
  }
  return up;
}

export async function stopFleet(sshds: readonly (Sshd | undefined)[]): Promise<void> {
  await Promise.all(sshds.filter((s) => s !== undefined).map((s) => s.stop()));
}

/**
 * Writes HOME/.ssh/config with one Host block per sshd (its names → 127.0.0.1:its port,
 * its login user and key) and HOME/.ssh/known_hosts with every sshd's host key, so strict
 * host key checking would pass for each. Replaces a config already there.
 */
export function fleetHome(sshds: readonly Sshd[], home: string): string {
  const blocks = sshds.flatMap((s) => [...sshHostBlock(s.hosts, s.port, s.user, s.userKeyPath), '']);
  writeClientSsh(home, blocks.join('\n'), sshds.map((s) => `${s.hostKeyLine()}\n`).join(''));
  return home;
}

/** fleetHome() into base.HOME; returns base (`fleetEnv(fleet, testEnv())` is what runCli needs). */
export function fleetEnv(sshds: readonly Sshd[], base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!base.HOME) throw new Error('fleetEnv(base): base.HOME is not set (use testEnv())');
  fleetHome(sshds, base.HOME);
  return base;
}

/** Logins each sshd has taken so far (sshd's own log), in the fleet's order: take two and subtract. */
export function loginCounts(sshds: readonly Sshd[]): number[] {
  return sshds.map((s) => s.logins());
}
