import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Settings } from '../../../src/config/settings.js';
import type { TaskContext } from '../../../src/engine/context.js';
import { Output } from '../../../src/engine/output.js';
import { newRunner } from '../../../src/compose.js';
import { defineTask } from '../../../src/engine/task.js';

/** A context of a real Runner: the task hands it out. */
async function runnerContext(): Promise<TaskContext> {
  const flags = { verbose: false, quiet: true, debug: false, json: false, dryRun: false, color: false, strictHostKeys: false, keepOnFailure: false };
  let captured: TaskContext | undefined;
  const grab = defineTask({ name: 'test:grab', summary: 'hands out its context', args: [], options: {}, run: async (ctx) => void (captured = ctx) });
  const runner = newRunner(() => undefined, new Settings(flags, {}, '/tmp', '/tmp'), new Output(new PassThrough(), new PassThrough(), flags));
  await runner.run(grab, [], {});
  return captured!;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('exclusive work', () => {
  it('runs one piece of work of a key at a time, in the order asked, and other keys alongside', async () => {
    const ctx = await runnerContext();
    const log: string[] = [];
    const first = gate();
    const a = ctx.exclusive('ca:m1', async () => {
      log.push('a start');
      await first.opened;
      log.push('a end');
      return 'a';
    });
    const b = ctx.exclusive('ca:m1', async () => {
      log.push('b start');
      throw new Error('b failed');
    });
    const c = ctx.exclusive('ca:m1', async () => void log.push('c start'));
    const other = ctx.exclusive('ca:m2', async () => void log.push('other'));
    await other;
    expect(log).toEqual(['a start', 'other']);
    first.open();
    expect(await a).toBe('a');
    await expect(b).rejects.toThrow('b failed');
    await c;
    // A failure does not stop the queue behind it.
    expect(log).toEqual(['a start', 'other', 'a end', 'b start', 'c start']);
  });
});
