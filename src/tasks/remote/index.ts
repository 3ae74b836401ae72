// Every remote:* task, in the order `list` shows them.
import type { AnyTask } from '../../engine/task.js';

export const remoteTasks: AnyTask[] = [];
