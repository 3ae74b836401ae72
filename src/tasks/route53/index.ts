// Every route53:* task, in the order `list` shows them.
import type { SomeTask } from '../../engine/task.js';
import { recordTasks } from './record.js';
import { zoneTasks } from './zone.js';

export const route53Tasks: SomeTask[] = [...zoneTasks, ...recordTasks];
