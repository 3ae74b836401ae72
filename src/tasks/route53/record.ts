// route53:record:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const recordTasks: AnyTask[] = [];
