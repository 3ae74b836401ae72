// ec2:snapshot:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const snapshotTasks: AnyTask[] = [];
