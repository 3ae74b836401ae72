// ec2:image:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const imageTasks: AnyTask[] = [];
