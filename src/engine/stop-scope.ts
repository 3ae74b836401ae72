// Which part of a run the current async work belongs to, told apart by async context
// rather than by flags a sibling branch still running could slip through: the rollback
// (whose changing requests must go out although the run is stopping), and one host's
// share of a many-host run (whose own stop must hold its changes back while the others
// go on). The AWS guard (src/aws/interrupt-guard.ts) asks these.
import { AsyncLocalStorage } from 'node:async_hooks';

const rollbackScope = new AsyncLocalStorage<true>();
const hostStop = new AsyncLocalStorage<() => boolean>();

/** Runs the rollback: the changing requests it makes go out although the run is stopping. */
export function asRollback<T>(undo: () => Promise<T>): Promise<T> {
  return rollbackScope.run(true, undo);
}

/** Runs one host's share of a run: once `stopped()` is true, its changing requests are refused too. */
export function withHostStop<T>(stopped: () => boolean, work: () => Promise<T>): Promise<T> {
  return hostStop.run(stopped, work);
}

/** True inside asRollback(). */
export function inRollback(): boolean {
  return rollbackScope.getStore() === true;
}

/** True when the host whose work this is has stopped (it failed). */
export function hostStopped(): boolean {
  return hostStop.getStore()?.() ?? false;
}
