// remote tasks: top.
import type { AnyTask } from '../../engine/task.js';

export const topTasks: AnyTask[] = [];
