// remote tasks: packages.
import type { AnyTask } from '../../engine/task.js';

export const packagesTasks: AnyTask[] = [];
