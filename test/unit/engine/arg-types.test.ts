// The arguments a task's run() receives are typed by the names of its argument specs, the
// shared path argument included: a misspelt name is a compile error (npm test runs tsc on
// the tests), not an undefined at run time.
import { describe, expect, it } from 'vitest';
import { defineTask } from '../../../src/engine/task.js';
import { hostArg, pathArg } from '../../../src/remote/args.js';

describe('argument types', () => {
  it('names every argument of a task with a path argument, and no other', async () => {
    const task = defineTask({
      name: 'test:path',
      summary: 'a host and a path',
      args: [hostArg, pathArg('path', 'a remote path')],
      options: {},
      async run(_ctx, args) {
        // @ts-expect-error: there is no argument named pth
        const misspelt: unknown = args.pth;
        return `${args.host}:${args.path} ${String(misspelt)}`;
      },
    });
    expect(task.args.map((a) => a.name)).toEqual(['host', 'path']);
    // run() is called here without a runner: the context is not used.
    expect(await task.run(undefined as never, { host: 'web1', path: '/etc/hosts' }, {})).toBe('web1:/etc/hosts undefined');
  });
});
