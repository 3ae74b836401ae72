// remote tasks: service.
import type { AnyTask } from '../../engine/task.js';

export const serviceTasks: AnyTask[] = [];
