// ec2:instance:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const instanceTasks: AnyTask[] = [];
