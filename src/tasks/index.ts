// The one list of tasks, handed to the engine by the composition root (src/cli.ts). Registered explicitly (no directory scanning) so startup stays
// fast; task modules hold only definitions, so loading them loads no SDK.
import { ec2Tasks } from './ec2/index.js';
import { originTasks } from './origin/index.js';
import { puppetTasks } from './puppet/index.js';
import { remoteTasks } from './remote/index.js';
import { route53Tasks } from './route53/index.js';
import { sandboxTasks } from './sandbox/index.js';
import { erase, type AnyTask } from '../engine/task.js';

// The task modules keep each task's own types (ctx.invoke infers from them); here every
// task becomes the erased view the runner and the command line work with.
export const allTasks: readonly AnyTask[] = [...ec2Tasks, ...route53Tasks, ...remoteTasks, ...puppetTasks, ...originTasks, ...sandboxTasks].map(erase);

const byName = new Map<string, AnyTask>();
for (const task of allTasks) {
  for (const name of [task.name, ...(task.aliases ?? [])]) {
    if (byName.has(name)) throw new Error(`task ${name} is registered twice`);
    byName.set(name, task);
  }
}

/** Thor accepted `private-hostname` for `private_hostname`; so do we. */
export function findTask(name: string): AnyTask | undefined {
  return byName.get(name) ?? byName.get(name.replace(/-/g, '_'));
}
