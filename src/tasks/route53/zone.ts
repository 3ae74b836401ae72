// route53:zone:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const zoneTasks: AnyTask[] = [];
