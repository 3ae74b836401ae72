// remote tasks: file.
import type { AnyTask } from '../../engine/task.js';

export const fileTasks: AnyTask[] = [];
