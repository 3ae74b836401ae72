import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/engine/program.js';
import { defineTask } from '../../../src/engine/task.js';

describe('commander program built from a task definition', () => {
  it('parses list options as variadic whatever the placeholder, and passes positionals and globals', async () => {
    const task = defineTask({
      name: 'test:launch',
      summary: 'takes a list',
      args: [{ name: 'name', description: 'a name' }],
      options: {
        securitygroup: { type: 'list', description: 'groups', placeholder: 'GROUP…', default: ['default'] },
        disksize: { type: 'number', description: 'GiB' },
        in: { type: 'boolean', description: 'inbound', default: true },
      },
      async run() {},
    });
    const seen: unknown[] = [];
    const program = buildProgram(
      task,
      {
        list() {},
        completion() {},
        async run(_t, words, options, flags) {
          seen.push(words, options, flags.verbose);
        },
      },
      { writeOut() {}, writeErr() {} },
    );
    await program.parseAsync(['test:launch', 'broker', '--securitygroup', 'default', 'broker', '--disksize', '10', '--no-in', '--verbose'], { from: 'user' });
    expect(seen).toEqual([['broker'], { securitygroup: ['default', 'broker'], disksize: '10', in: false }, true]);
  });
});
