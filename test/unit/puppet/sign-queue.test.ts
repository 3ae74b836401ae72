// The per-master sign queue: one command at a time, and what arrives meanwhile goes into
// the next command together; a failed batch falls back to one command per name.
import { describe, expect, test } from 'vitest';
import { SignQueue } from '../../../src/puppet/sign-queue.js';

/** A sign command that waits until the test lets it finish (or fail). */
function gatedCommands() {
  const calls: { names: string[]; finish: (err?: Error) => void }[] = [];
  const sign = (names: string[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ names, finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { calls, sign };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('SignQueue', () => {
  test('the first request is signed at once; those that arrive meanwhile go together in the next command', async () => {
    const q = new SignQueue();
    const { calls, sign } = gatedCommands();
    const done: string[] = [];
    const all = ['a', 'b', 'c', 'd'].map((n) => q.sign(n, sign).then(() => done.push(n)));
    await settle();
    expect(calls.map((c) => c.names)).toEqual([['a']]);
    calls[0]!.finish();
    await settle();
    expect(done).toEqual(['a']);
    expect(calls.map((c) => c.names)).toEqual([['a'], ['b', 'c', 'd']]);
    const e = q.sign('e', sign).then(() => done.push('e'));
    calls[1]!.finish();
    await settle();
    expect(calls.map((c) => c.names)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    calls[2]!.finish();
    await Promise.all([...all, e]);
    expect(done).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a failed batch is signed name by name, so each caller gets its own outcome', async () => {
    const q = new SignQueue();
    const { calls, sign } = gatedCommands();
    const first = q.sign('a', sign);
    const [b, c] = [q.sign('b', sign), q.sign('c', sign)].map((p) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    await settle();
    calls[0]!.finish();
    await first;
    await settle();
    calls[1]!.finish(new Error('no request for c'));
    await settle();
    expect(calls.map((x) => x.names)).toEqual([['a'], ['b', 'c'], ['b']]);
    calls[2]!.finish();
    await settle();
    expect(calls.map((x) => x.names)).toEqual([['a'], ['b', 'c'], ['b'], ['c']]);
    calls[3]!.finish(new Error('no request for c'));
    expect(await Promise.all([b, c])).toEqual(['ok', 'no request for c']);
  });

  test('a failed command of one name rejects that caller only, and the queue goes on', async () => {
    const q = new SignQueue();
    const { calls, sign } = gatedCommands();
    const a = q.sign('a', sign).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    await settle();
    const b = q.sign('b', sign).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    calls[0]!.finish(new Error('revoked'));
    await settle();
    calls[1]!.finish();
    expect(await Promise.all([a, b])).toEqual(['revoked', 'ok']);
    expect(calls.map((x) => x.names)).toEqual([['a'], ['b']]);
  });
});
