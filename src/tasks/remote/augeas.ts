// remote tasks: augeas.
import type { AnyTask } from '../../engine/task.js';

export const augeasTasks: AnyTask[] = [];
