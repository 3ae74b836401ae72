// The one list of tasks. Registered explicitly (no directory scanning) so startup stays
// fast; task modules hold only definitions, so loading them loads no SDK.
import { ec2Tasks } from '../tasks/ec2/index.js';
import { originTasks } from '../tasks/origin/index.js';
import { puppetTasks } from '../tasks/puppet/index.js';
import { remoteTasks } from '../tasks/remote/index.js';
import { route53Tasks } from '../tasks/route53/index.js';
import { sandboxTasks } from '../tasks/sandbox/index.js';
import { erase, type AnyTask } from './task.js';

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
