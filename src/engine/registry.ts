// The one list of tasks. Registered explicitly (no directory scanning) so startup stays
// fast; task modules hold only definitions, so loading them loads no SDK.
import { ec2Tasks } from '../tasks/ec2/index.js';
import { originTasks } from '../tasks/origin/index.js';
import { puppetTasks } from '../tasks/puppet/index.js';
import { remoteTasks } from '../tasks/remote/index.js';
import { route53Tasks } from '../tasks/route53/index.js';
import { sandboxTasks } from '../tasks/sandbox/index.js';
import type { AnyTask } from './task.js';

export const allTasks: readonly AnyTask[] = [...ec2Tasks, ...route53Tasks, ...remoteTasks, ...puppetTasks, ...originTasks, ...sandboxTasks];

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
