// Every route53:* task, in the order `list` shows them.
import type { AnyTask } from '../../engine/task.js';
import { recordTasks } from './record.js';
import { zoneTasks } from './zone.js';

export const route53Tasks: AnyTask[] = [...zoneTasks, ...recordTasks];
