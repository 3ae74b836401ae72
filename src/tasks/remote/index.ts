// Every remote:* task, in the order `list` shows them. Each topic file exports its own list.
import type { SomeTask } from '../../engine/task.js';
import { augeasTasks } from './augeas.js';
import { fileTasks } from './file.js';
import { firewallTasks } from './firewall.js';
import { gitTasks } from './git.js';
import { packagesTasks } from './packages.js';
import { patchTasks } from './patch.js';
import { repoTasks } from './repo.js';
import { serviceTasks } from './service.js';
import { topTasks } from './top.js';

export const remoteTasks: SomeTask[] = [
  ...topTasks,
  ...fileTasks,
  ...packagesTasks,
  ...repoTasks,
  ...gitTasks,
  ...firewallTasks,
  ...serviceTasks,
  ...augeasTasks,
  ...patchTasks,
];
