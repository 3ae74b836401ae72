// ec2:volume:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const volumeTasks: AnyTask[] = [];
