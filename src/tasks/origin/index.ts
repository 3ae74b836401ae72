// Every origin:* task, in the order `list` shows them.
import type { AnyTask } from '../../engine/task.js';
import { baseinstanceTasks } from './baseinstance.js';

export const originTasks: AnyTask[] = [...baseinstanceTasks];
