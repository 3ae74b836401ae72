// remote tasks: patch.
import type { AnyTask } from '../../engine/task.js';

export const patchTasks: AnyTask[] = [];
