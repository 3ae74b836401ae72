// remote tasks: git.
import type { AnyTask } from '../../engine/task.js';

export const gitTasks: AnyTask[] = [];
