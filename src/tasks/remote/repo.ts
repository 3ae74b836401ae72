// remote tasks: repo.
import type { AnyTask } from '../../engine/task.js';

export const repoTasks: AnyTask[] = [];
