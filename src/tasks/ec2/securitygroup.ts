// ec2:securitygroup:* tasks.
import type { AnyTask } from '../../engine/task.js';

export const securitygroupTasks: AnyTask[] = [];
