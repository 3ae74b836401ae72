// Every puppet:* task, in the order `list` shows them.
import type { SomeTask } from '../../engine/task.js';
import { agentTasks } from './agent.js';
import { certTasks } from './cert.js';
import { masterTasks } from './master.js';
import { moduleTasks } from './module.js';
import { topTasks } from './top.js';

export const puppetTasks: SomeTask[] = [...topTasks, ...certTasks, ...masterTasks, ...agentTasks, ...moduleTasks];
